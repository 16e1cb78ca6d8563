/* Progress that stays: a reader's self-check answers, kept in this browser only.

   Saved by exercise id with the digest of the question it answered (data-digest, and
   progress-data.js for the chapters not on this page), so an answer to a question that has
   since changed is dropped, not shown. localStorage when the browser allows it; else the
   tab's sessionStorage; else only this page's memory, and the page says so. Nothing is sent
   anywhere. */
(function () {
  "use strict";
  var book = window.STUDYGUIDE_PROGRESS;
  var exercises = window.studyguideExercises;
  if (!book || !exercises) { return; }
  var KEY = "studyguide-progress:" + book.book;
  var state, boxes, here, status, summary, note, badges, digests, chapterOf;
  var NOTES = {
    localStorage: "Your answers are kept in this browser only, on this device; nothing is sent anywhere.",
    sessionStorage: "This browser does not let the page keep your answers for long: they last until you close this tab.",
    memory: "This browser does not let the page keep anything, so your answers last only until you leave this page."
  };

  function openStore() {
    var kinds = ["localStorage", "sessionStorage"];
    for (var i = 0; i < kinds.length; i++) {
      try {
        var area = window[kinds[i]], probe = KEY + ":probe";
        area.setItem(probe, "1");
        area.removeItem(probe);
        return { kind: kinds[i], area: area };
      } catch (e) { /* blocked (privacy mode, storage off, some file:// pages): try the next */ }
    }
    return { kind: "memory", area: null };
  }

  var store = openStore();
  var memory = "";

  function load() {
    var text = memory;
    if (store.area) {
      try { text = store.area.getItem(KEY) || ""; } catch (e) { text = memory; }
    }
    try {
      var state = JSON.parse(text || "{}");
      if (state && typeof state.answers === "object" && state.answers) { return state; }
    } catch (e) { /* unreadable: start afresh */ }
    return { answers: {} };
  }

  function save() {
    memory = JSON.stringify(state);
    if (!store.area) { return; }
    try { store.area.setItem(KEY, memory); } catch (e) {
      store = { kind: "memory", area: null };  // full or revoked: keep going in memory
      if (note) { note.textContent = NOTES.memory; }
    }
  }

  /* Where a link or a page sits in the book, as progress-data.js names chapters. */
  var root = new URL(document.documentElement.dataset.content_root || "./", location.href).href;
  function keyOf(href) {
    var url = new URL(href, location.href);
    url.hash = "";
    url.search = "";
    return url.href.indexOf(root) === 0 ? decodeURI(url.href.slice(root.length)) : null;
  }

  function readBook() {
    book = window.STUDYGUIDE_PROGRESS;
    digests = {};
    chapterOf = {};
    Object.keys(book.chapters).forEach(function (key) {
      var checks = book.chapters[key].checks;
      Object.keys(checks).forEach(function (id) { digests[id] = checks[id]; chapterOf[id] = key; });
    });
  }

  function count(key) {
    var checks = book.chapters[key].checks, done = 0, right = 0, total = 0;
    Object.keys(checks).forEach(function (id) {
      var saved = state.answers[id];
      total += 1;
      if (saved && saved.d === checks[id]) { done += 1; right += saved.r ? 1 : 0; }
    });
    return { done: done, right: right, total: total };
  }

  function describe(c) {
    return c.done + " of " + c.total + " self-checks done" + (c.done ? ", " + c.right + " right" : "") + ".";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  /* This page's part: run again when the live preview puts a rebuilt page in place
     ("studyguide:page-updated"), with progress-data.js as it now is. */
  function start() {
    readBook();
    state = load();
    boxes = Array.prototype.filter.call(document.querySelectorAll("[data-exercise][data-digest]"),
      function (box) { return box.querySelector("fieldset[data-correct]"); });
    here = boxes.length ? chapterOf[boxes[0].dataset.exercise] : null;

    /* Answers on this page: put back, or dropped with a word if their question changed. */
    boxes.forEach(function (box) {
      var id = box.dataset.exercise, saved = state.answers[id];
      var fieldset = box.querySelector("fieldset[data-correct]");
      if (!saved) { return; }
      if (saved.d !== box.dataset.digest) {
        delete state.answers[id];
        exercises.clear(fieldset, "This exercise has changed since you answered it, so your saved answer was cleared.");
        return;
      }
      exercises.setAnswer(fieldset, saved.a || []);
      exercises.check(fieldset, true);
    });
    /* Elsewhere in the book: answers to questions that changed or went. */
    Object.keys(state.answers).forEach(function (id) {
      if (digests[id] !== state.answers[id].d) { delete state.answers[id]; }
    });
    save();

    status = null;
    summary = null;
    note = null;
    if (here) {
      var container = boxes[0].closest(".exercises") || boxes[0];
      var section = container.closest("section");
      var panel = el("div", { "class": "progress-panel", role: "group", "aria-labelledby": "progress-title" });
      panel.appendChild(el("p", { "class": "progress-title", id: "progress-title" }, "Your progress"));
      status = el("p", { "class": "progress-count", id: "progress-status", role: "status" });
      panel.appendChild(status);
      note = el("p", { "class": "progress-note" }, NOTES[store.kind]);
      panel.appendChild(note);
      var clearButton = el("button", { type: "button", "class": "progress-clear" }, "Clear all my answers");
      panel.appendChild(clearButton);
      container.parentNode.insertBefore(panel, container);
      clearButton.addEventListener("click", clearAll);

      var chapter = container.closest("section");
      while (chapter && chapter.parentElement && chapter.parentElement.closest("section")) {
        chapter = chapter.parentElement.closest("section");
      }
      var heading = chapter ? chapter.querySelector(":scope > h1") : null;
      if (heading) {
        summary = el("p", { "class": "progress-summary" });
        var link = el("a", { href: "#" + (section && section.id ? section.id : "progress-title") }, "Review exercises");
        summary.appendChild(link);
        summary.appendChild(el("span", { "class": "progress-summary-count" }));
        heading.parentNode.insertBefore(summary, heading.nextSibling);
      }
    }

    badges = [];
    Array.prototype.forEach.call(document.querySelectorAll(".bd-docs-nav a.reference, .toctree-wrapper a.reference"),
      function (link) {
        var key = keyOf(link.href);
        if (key === null || !book.chapters[key] || link.hash && link.hash.length > 1) { return; }
        var shown = el("span", { "class": "progress-badge", "aria-hidden": "true" });
        var spoken = el("span", { "class": "progress-sr" });
        link.appendChild(shown);
        link.appendChild(spoken);
        badges.push({ key: key, shown: shown, spoken: spoken });
      });
    refresh();
  }

  function refresh(announcement) {
    if (here) {
      var c = count(here);
      status.textContent = (announcement ? announcement + " " : "") + describe(c);
      if (summary) { summary.lastChild.textContent = ": " + describe(c); }
    }
    badges.forEach(function (b) {
      var c = count(b.key);
      b.shown.textContent = c.done + "/" + c.total;
      b.spoken.textContent = " (" + c.done + " of " + c.total + " self-checks done)";
      b.shown.classList.toggle("is-complete", c.done === c.total);
    });
  }

  function clearAll() {
    if (!window.confirm("Clear every saved answer in this book, in all its chapters? This cannot be undone.")) { return; }
    state = { answers: {} };
    save();
    boxes.forEach(function (box) { exercises.clear(box.querySelector("fieldset[data-correct]")); });
    refresh("All your answers are cleared.");
  }

  document.addEventListener("exercise-checked", function (event) {
    var box = event.target, id = event.detail.id;
    if (!box.dataset.digest) { return; }
    state.answers[id] = { d: box.dataset.digest, a: event.detail.answer, r: event.detail.right };
    save();
    refresh("Saved.");
  });

  /* Another tab of the same book answered or cleared: follow it. */
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) { state = load(); refresh(); }
  });

  start();
  document.addEventListener("studyguide:page-updated", start);
})();
