/* Flourish: the one script, for what HTML and CSS cannot do (GOV.UK's error summary
   behaviour). Every page works without it. Served from /static/flourish.js, so the
   Content-Security-Policy allows it as 'self' and still forbids inline script. */
(function () {
  "use strict";
  // One question, its chosen answer's fields shown (GOV.UK's conditional reveal). Without the
  // script every answer's fields show, so nothing is out of reach.
  document.body.classList.add("js-enabled");
  document.querySelectorAll("[data-module='govuk-radios']").forEach(function (group) {
    var inputs = group.querySelectorAll("input[type='radio'][aria-controls]");
    function sync() {
      group.querySelectorAll("input[type='radio']").forEach(function (input) {
        var target = input.getAttribute("aria-controls");
        var reveal = target ? document.getElementById(target) : null;
        if (!reveal) { return; }
        reveal.classList.toggle("govuk-radios__conditional--hidden", !input.checked);
      });
    }
    if (inputs.length) { group.addEventListener("change", sync); sync(); }
  });
  var summary = document.querySelector(".govuk-error-summary");
  if (!summary) { return; }
  // After a failed submit the summary takes focus, so it is what a screen reader says first
  // and the first Tab reaches its first link.
  summary.setAttribute("tabindex", "-1");
  summary.addEventListener("blur", function () { summary.removeAttribute("tabindex"); });
  summary.focus();
  // Following a link to a field shows the field's label (or a group's legend) too, not only
  // the field scrolled to the top of the window.
  summary.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) { return; }
    var fieldset = field.closest("fieldset");
    var legend = fieldset ? fieldset.querySelector("legend") : null;
    var label = legend || document.querySelector("label[for='" + field.id + "']");
    event.preventDefault();
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
})();
