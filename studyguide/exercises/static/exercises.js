/* Self-check exercises: offline, keyboard-operable, feedback announced in a live region.
   Each widget carries its own answer (data-correct), so nothing is fetched. */
(function () {
  "use strict";

  function answerText(fieldset, index) {
    var labels = fieldset.querySelectorAll(".exercise-choice label");
    return labels[index] ? labels[index].textContent : "";
  }

  function check(fieldset) {
    var feedback = fieldset.querySelector(".exercise-feedback");
    var correct = fieldset.dataset.correct;
    var right, message;
    if (fieldset.classList.contains("exercise-choices")) {
      var chosen = fieldset.querySelector("input:checked");
      if (!chosen) { return show(fieldset, feedback, null, "Choose an answer first."); }
      right = chosen.value === correct;
      message = right ? "Correct: " + answerText(fieldset, +correct) + "."
                      : "Not quite. The right answer is: " + answerText(fieldset, +correct) + ".";
    } else {
      var selects = fieldset.querySelectorAll("select");
      var values = Array.prototype.map.call(selects, function (s) { return s.value; });
      if (values.indexOf("") !== -1) { return show(fieldset, feedback, null, "Answer every row first."); }
      var expected = correct.split("|");
      var wrong = values.filter(function (v, i) { return v !== expected[i]; }).length;
      right = wrong === 0;
      message = right ? "Correct: every row is right."
                      : "Not quite: " + wrong + " of " + values.length + " rows are wrong.";
    }
    show(fieldset, feedback, right, message + " The solution below explains why.");
    var solution = fieldset.closest("[data-exercise]").querySelector("details.exercise-solution");
    if (solution) { solution.open = true; }
  }

  function show(fieldset, feedback, right, message) {
    fieldset.classList.remove("is-right", "is-wrong");
    if (right !== null) { fieldset.classList.add(right ? "is-right" : "is-wrong"); }
    feedback.textContent = message;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".exercise-check");
    if (button) { check(button.closest("fieldset")); }
  });
})();
