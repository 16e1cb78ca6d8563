/* Self-check exercises: offline, keyboard-operable, feedback announced in a live region.
   Each widget carries its own answer (data-correct), so nothing is fetched.
   A verdict is also sent as an "exercise-checked" event, and window.studyguideExercises
   lets progress.js (web edition only) put a saved answer back: this file knows how a
   widget is answered, progress.js only what was answered. */
(function () {
  "use strict";

  function answerText(fieldset, index) {
    var labels = fieldset.querySelectorAll(".exercise-choice label");
    return labels[index] ? labels[index].textContent : "";
  }

  function isChoice(fieldset) {
    return fieldset.classList.contains("exercise-choices");
  }

  /* The reader's answer as a list of values (one radio, or one select per row). */
  function answerOf(fieldset) {
    if (isChoice(fieldset)) {
      var chosen = fieldset.querySelector("input:checked");
      return chosen ? [chosen.value] : [];
    }
    return Array.prototype.map.call(fieldset.querySelectorAll("select"), function (s) { return s.value; });
  }

  function setAnswer(fieldset, values) {
    if (isChoice(fieldset)) {
      Array.prototype.forEach.call(fieldset.querySelectorAll("input[type=radio]"), function (input) {
        input.checked = input.value === String(values[0]);
      });
    } else {
      Array.prototype.forEach.call(fieldset.querySelectorAll("select"), function (select, i) {
        select.value = values[i] === undefined ? "" : String(values[i]);
      });
    }
  }

  function verdict(fieldset) {
    var correct = fieldset.dataset.correct;
    var values = answerOf(fieldset);
    if (isChoice(fieldset)) {
      if (!values.length) { return { right: null, message: "Choose an answer first." }; }
      var right = values[0] === correct;
      return { right: right, message: right ? "Correct: " + answerText(fieldset, +correct) + "."
        : "Not quite. The right answer is: " + answerText(fieldset, +correct) + "." };
    }
    if (values.indexOf("") !== -1) { return { right: null, message: "Answer every row first." }; }
    var expected = correct.split("|");
    var wrong = values.filter(function (v, i) { return v !== expected[i]; }).length;
    return { right: wrong === 0, message: wrong === 0 ? "Correct: every row is right."
      : "Not quite: " + wrong + " of " + values.length + " rows are wrong." };
  }

  /* restored: an answer put back from storage (no event, the solution stays as it was). */
  function check(fieldset, restored) {
    var result = verdict(fieldset);
    var message = result.message;
    if (result.right !== null) {
      message = (restored ? "Your saved answer. " : "") + message + " The solution below explains why.";
    }
    show(fieldset, result.right, message);
    if (result.right === null || restored) { return; }
    var box = fieldset.closest("[data-exercise]");
    var solution = box.querySelector("details.exercise-solution");
    if (solution) { solution.open = true; }
    box.dispatchEvent(new CustomEvent("exercise-checked", {
      bubbles: true, detail: { id: box.dataset.exercise, answer: answerOf(fieldset), right: result.right }
    }));
  }

  function show(fieldset, right, message) {
    fieldset.classList.remove("is-right", "is-wrong");
    if (right !== null) { fieldset.classList.add(right ? "is-right" : "is-wrong"); }
    fieldset.querySelector(".exercise-feedback").textContent = message;
  }

  function clear(fieldset, message) {
    setAnswer(fieldset, []);
    show(fieldset, null, message || "");
  }

  window.studyguideExercises = { answerOf: answerOf, setAnswer: setAnswer, check: check, clear: clear };

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".exercise-check");
    if (button) { check(button.closest("fieldset")); }
  });

  /* A pasted link to an exercise (#ex-<id>) brings the reader to it, marked and focused, so
     the keyboard starts there too. */
  function showLinkedExercise() {
    var id = decodeURIComponent(location.hash.slice(1));
    var box = id ? document.getElementById(id) : null;
    Array.prototype.forEach.call(document.querySelectorAll(".exercise.is-linked"), function (other) {
      if (other !== box) { other.classList.remove("is-linked"); }
    });
    if (!box || !box.classList.contains("exercise")) { return; }
    box.classList.add("is-linked");
    if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "-1"); }
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", showLinkedExercise);
  showLinkedExercise();
})();
