/* Small behaviours of every page, loaded by base.html after htmx.
 *
 * The Content-Security-Policy allows no inline script, event handler or style
 * attribute, so pages mark elements with data attributes and this file acts on
 * them, for the first page and for every fragment htmx swaps in:
 *  - data-submit-on-change: a <select> that submits its form when changed;
 *  - data-apply-on-change: a form (the period pickers) that sends itself when a field changes,
 *    through htmx when the form has hx-get; its button is in <noscript>, for browsers without script;
 *  - data-print: a button that opens the print dialog;
 *  - data-width="42": a bar drawn 42 % wide (progress bars), set through the CSSOM,
 *    which the policy allows.
 * It also says so when an htmx request gets no usable answer (#request-failed).
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    if (event.target instanceof HTMLSelectElement && event.target.matches("[data-submit-on-change]")) {
      event.target.form.submit();
    }
  });

  let applyTimer = null;
  document.addEventListener("change", function (event) {
    const field = event.target;
    const form = field instanceof Element ? field.closest("form[data-apply-on-change]") : null;
    if (!form) {
      return;
    }
    const period = form.elements.namedItem("period");
    if (field.type === "date" && period) {
      period.value = "custom"; // the dates only count for a custom range: changing one picks it
    }
    // A date typed by hand changes once per part typed: wait for a pause before sending it.
    clearTimeout(applyTimer);
    applyTimer = setTimeout(function () {
      const dates = Array.from(form.querySelectorAll('input[type="date"]'));
      if (period && period.value === "custom" && dates.some((date) => !date.value)) {
        return; // a custom range needs both dates
      }
      if (form.checkValidity()) {
        form.requestSubmit();
      }
    }, field instanceof HTMLSelectElement ? 0 : 700);
  });

  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // A server error (a 503 while the database restarts) or no answer at all: htmx swaps
  // nothing, which would leave a form looking as if it had been ignored.
  const failed = document.getElementById("request-failed");
  function showFailure(event) {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (failed && (status === 0 || status >= 500)) {
      failed.classList.remove("d-none");
    }
  }
  document.addEventListener("htmx:responseError", showFailure);
  document.addEventListener("htmx:sendError", showFailure);
  document.addEventListener("htmx:afterRequest", function (event) {
    if (failed && event.detail.successful) {
      failed.classList.add("d-none");
    }
  });
  document.addEventListener("click", function (event) {
    if (failed && event.target instanceof Element && event.target.closest("[data-request-failed-close]")) {
      failed.classList.add("d-none");
    }
  });

  htmx.onLoad(function (root) {
    const elements = Array.from(root.querySelectorAll("[data-width]"));
    if (root.matches("[data-width]")) {
      elements.push(root);
    }
    elements.forEach(function (element) {
      element.style.width = Number(element.dataset.width) + "%";
    });
  });
})();
