/* Tanzim's page behaviours, in one static file: the Content-Security-Policy allows no inline script.
 * Each behaviour is switched on by a data attribute or an id in the page; every page works without it.
 *   data-autosubmit            a select or checkbox that submits its form when it changes
 *   data-month-pick            a "YYYY-MM" select that fills the form's year and month, then submits
 *   data-submit-on-load        a form sent as soon as the page has loaded (the bank's return)
 *   #use-location              the "use my location" button of the appointment finder
 *   .on-behalf / #on-behalf    a clerk's "for which citizen" box copied into each booking form
 *   #id_party-kind             a party's kind: national code for a person, national ID for a company
 *   .error-summary             a form's list of errors takes the focus when the page opens; a closed
 *                              <details> or collapsed section holding an error opens first
 *   .code-copy[data-copy]      the copy button of a code ({% code %}): shown once this script runs
 *   input[type=file]           a button and the chosen file's name in the page's language (the browser's
 *                              own "Choose File" speaks the browser's language); body's data-file-* texts
 */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el instanceof HTMLElement) || !el.form) { return; }
    if (el.hasAttribute("data-month-pick")) {
      var parts = String(el.value).split("-");
      if (el.form.elements.year) { el.form.elements.year.value = parts[0]; }
      if (el.form.elements.month) { el.form.elements.month.value = parts[1]; }
      el.form.submit();
    } else if (el.hasAttribute("data-autosubmit")) {
      el.form.submit();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var hidden = form.querySelector(".on-behalf");
    var typed = document.getElementById("on-behalf");
    if (hidden && typed) { hidden.value = typed.value; }
  });

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) { return navigator.clipboard.writeText(text); }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest(".code-copy[data-copy]") : null;
    if (!button) { return; }
    var label = button.textContent;
    copyText(button.getAttribute("data-copy")).then(function () {
      button.textContent = button.getAttribute("data-copied") || label;
      button.setAttribute("data-done", "1");
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });

  function revealErrors() {
    // A form that failed must not stay folded away: open what holds an error, then focus the summary.
    document.querySelectorAll(".is-invalid, .invalid-feedback, .error-summary").forEach(function (el) {
      for (var p = el.parentElement; p; p = p.parentElement) {
        if (p.tagName === "DETAILS") { p.open = true; }
        if (p.classList && p.classList.contains("collapse")) { p.classList.add("show"); }
      }
    });
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
      if (summary.scrollIntoView) { summary.scrollIntoView({ block: "start" }); }
    }
  }

  function filePickers() {
    var choose = document.body.getAttribute("data-file-choose");
    var none = document.body.getAttribute("data-file-none");
    if (!choose) { return; }
    document.querySelectorAll("input[type=file]:not([data-picker])").forEach(function (input) {
      if (!input.id) { return; }
      input.setAttribute("data-picker", "1");
      var wrap = document.createElement("div");
      wrap.className = "file-picker d-flex flex-wrap align-items-center gap-2";
      var button = document.createElement("label");
      button.className = "btn btn-outline-secondary btn-sm mb-0";
      button.setAttribute("for", input.id);
      button.textContent = choose;
      var name = document.createElement("span");
      name.className = "file-picker-name small text-muted";
      name.setAttribute("aria-live", "polite");
      name.textContent = none;
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      wrap.appendChild(button);
      wrap.appendChild(name);
      input.classList.add("file-picker-input");
      input.addEventListener("change", function () {
        var files = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
        name.textContent = files.length ? files.join("، ") : none;
      });
    });
  }

  onReady(function () {
    document.querySelectorAll(".code-copy[data-copy]").forEach(function (b) { b.hidden = false; });
    filePickers();
    revealErrors();
    document.querySelectorAll("form[data-submit-on-load]").forEach(function (form) { form.submit(); });
    // Sign-up and sign-in tell the server the browser's time zone (a person abroad reads their own time).
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    document.querySelectorAll("input[data-browser-zone]").forEach(function (i) { if (!i.value) { i.value = zone; } });

    var locate = document.getElementById("use-location");
    if (locate) {
      var state = document.getElementById("location-state");
      var say = function (key) { if (state) { state.textContent = locate.getAttribute("data-msg-" + key) || ""; } };
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) { say("unsupported"); return; }
        say("finding");
        navigator.geolocation.getCurrentPosition(function (pos) {
          document.getElementById("id_lat").value = pos.coords.latitude.toFixed(5);
          document.getElementById("id_lon").value = pos.coords.longitude.toFixed(5);
          document.getElementById("id_city").value = "";
          say("found");
        }, function () { say("failed"); });
      });
      var city = document.getElementById("id_city");
      if (city) {
        city.addEventListener("change", function () {
          if (this.value) { document.getElementById("id_lat").value = ""; document.getElementById("id_lon").value = ""; }
        });
      }
    }

    var kind = document.getElementById("id_party-kind");
    if (kind) {
      var sync = function () {
        var legal = kind.value === "legal";
        document.querySelectorAll(".party-natural").forEach(function (el) { el.hidden = legal; });
        document.querySelectorAll(".party-legal").forEach(function (el) { el.hidden = !legal; });
      };
      kind.addEventListener("change", sync);
      sync();
    }
  });
})();
