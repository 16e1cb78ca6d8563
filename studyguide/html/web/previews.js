/* Explanations in place: a link to a glossary term, a person in "Who's who", a section or a
   figure shows a short preview on hover and on keyboard focus.

   The previews were written at build time into previews-data.js, keyed by the target's
   address from the book's root, so nothing is fetched. One role="tooltip" element serves
   every link; the link it describes points at it with aria-describedby while it is open.
   It stays while the pointer moves onto it, and Escape closes it without moving focus
   (WCAG 1.4.13). */
(function () {
  "use strict";
  if (!window.STUDYGUIDE_PREVIEWS) { return; }
  var KINDS = { term: "Glossary", person: "Who\u2019s who", section: "Section", figure: "Figure" };
  var root = new URL(document.documentElement.dataset.content_root || "./", location.href).href;

  function previewOf(link) {
    if (!link || link.classList.contains("headerlink") || link.closest("nav, .bd-toc, #sg-preview")) { return null; }
    var href = link.getAttribute("href");
    if (!href) { return null; }
    var url = new URL(href, location.href);
    url.search = "";
    if (!url.hash || url.href.indexOf(root) !== 0) { return null; }
    // (Read at each use: the live preview may load a rebuilt previews-data.js.)
    return window.STUDYGUIDE_PREVIEWS[decodeURI(url.href.slice(root.length))] || null;
  }

  var tip = document.createElement("div");
  tip.id = "sg-preview";
  tip.className = "sg-preview";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  var kind = tip.appendChild(document.createElement("p"));
  kind.className = "sg-preview-kind";
  var title = tip.appendChild(document.createElement("p"));
  title.className = "sg-preview-title";
  var text = tip.appendChild(document.createElement("p"));
  text.className = "sg-preview-text";
  document.body.appendChild(tip);

  var current = null, dismissed = null, showTimer = 0, hideTimer = 0;

  function place(link) {
    var rects = link.getClientRects();
    var r = rects.length ? rects[0] : link.getBoundingClientRect();
    tip.style.left = "0px";
    tip.style.top = "0px";
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var viewWidth = document.documentElement.clientWidth, viewHeight = window.innerHeight;
    var left = Math.max(8, Math.min(r.left, viewWidth - width - 8));
    var top = r.bottom + 6;
    if (top + height > viewHeight - 8 && r.top - height - 6 > 8) { top = r.top - height - 6; }
    tip.style.left = Math.round(left + window.scrollX) + "px";
    tip.style.top = Math.round(top + window.scrollY) + "px";
  }

  function show(link) {
    var data = previewOf(link);
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    if (!data || link === dismissed) { return; }
    if (current && current !== link) { current.removeAttribute("aria-describedby"); }
    current = link;
    kind.textContent = KINDS[data[0]] || "";
    title.textContent = data[1];
    text.textContent = data[2];
    text.hidden = !data[2];
    tip.hidden = false;
    link.setAttribute("aria-describedby", tip.id);
    place(link);
  }

  function hide() {
    clearTimeout(showTimer);
    clearTimeout(hideTimer);
    if (current) { current.removeAttribute("aria-describedby"); }
    current = null;
    tip.hidden = true;
  }

  function linkAt(node) {
    return node && node.closest ? node.closest("a[href]") : null;
  }

  document.addEventListener("mouseover", function (event) {
    if (tip.contains(event.target)) { clearTimeout(hideTimer); return; }
    var link = linkAt(event.target);
    if (link && previewOf(link)) {
      clearTimeout(hideTimer);
      if (link !== current) {
        clearTimeout(showTimer);
        showTimer = setTimeout(function () { show(link); }, 120);
      }
    }
  });
  document.addEventListener("mouseout", function (event) {
    var from = linkAt(event.target), to = event.relatedTarget;
    if (from && from === dismissed && !(to && from.contains(to))) { dismissed = null; }
    if (from && !current) { clearTimeout(showTimer); }
    if (tip.hidden) { return; }
    if (to && (tip.contains(to) || (current && current.contains(to)))) { return; }
    if ((from && from === current) || tip.contains(event.target)) {
      hideTimer = setTimeout(hide, 250);
    }
  });
  document.addEventListener("focusin", function (event) {
    var link = linkAt(event.target);
    if (link && link === event.target && previewOf(link)) {
      dismissed = null;  // focus arriving is asking anew, even where Escape closed it before
      show(link);
    }
  });
  document.addEventListener("focusout", function (event) {
    if (event.target === dismissed) { dismissed = null; }
    if (event.target === current) { hide(); }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Escape" || event.key === "Esc") && !tip.hidden) {
      dismissed = current;
      hide();
    }
  });
  window.addEventListener("resize", hide);
})();
