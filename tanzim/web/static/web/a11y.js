/* Tables that scroll sideways (Bootstrap's .table-responsive on a narrow screen) can be reached
 * and scrolled with the keyboard: the wrapper becomes a focusable, named region (WCAG 2.1.1 and
 * 4.1.2; axe's "scrollable-region-focusable"). Its name is the table's caption or aria-label,
 * else the heading just before it, else the page's generic label (main's data-scroll-label).
 * Wrappers that do not overflow stay out of the tab order. Runs again after htmx swaps content
 * and when the window is resized.
 */
(function () {
  "use strict";

  function labelFor(wrapper) {
    var table = wrapper.querySelector("table");
    if (table) {
      if (table.getAttribute("aria-label")) { return table.getAttribute("aria-label"); }
      if (table.caption && table.caption.textContent.trim()) { return table.caption.textContent.trim(); }
    }
    for (var el = wrapper.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    var main = document.getElementById("main");
    return (main && main.getAttribute("data-scroll-label")) || "";
  }

  function mark() {
    var wrappers = document.querySelectorAll(".table-responsive");
    for (var i = 0; i < wrappers.length; i++) {
      var wrapper = wrappers[i];
      if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        if (!wrapper.hasAttribute("aria-label")) { wrapper.setAttribute("aria-label", labelFor(wrapper)); }
      } else if (wrapper.getAttribute("role") === "region") {
        wrapper.removeAttribute("tabindex");
        wrapper.removeAttribute("role");
        wrapper.removeAttribute("aria-label");
      }
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mark); } else { mark(); }
  window.addEventListener("resize", mark);
  document.addEventListener("htmx:afterSwap", mark);
})();
