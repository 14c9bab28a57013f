// Read a question aloud where the browser can (speechSynthesis), in the page's language;
// focus the error summary so a screen reader announces it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var lang = document.documentElement.lang || "fa";
    var synth = window.speechSynthesis;
    document.querySelectorAll("[data-speak]").forEach(function (button) {
      if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
        button.hidden = true;
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-speak"));
        if (!target) { return; }
        synth.cancel();
        var utterance = new window.SpeechSynthesisUtterance(target.innerText);
        utterance.lang = lang === "fa" ? "fa-IR" : "en-GB";
        synth.speak(utterance);
      });
    });
    var problem = document.querySelector("[data-consult-error]");
    if (problem) { problem.focus(); }
  });
})();
