/* The quick-log panel (#quick-log) and every activity form (form[data-activity-form]).
 *
 * The forms work without JavaScript: the server checks everything and answers
 * with the form and its errors. This file only makes them quicker:
 *  - "L" opens the panel from any page (unless the user is typing);
 *  - the outcome buttons follow the chosen kind (OUTCOMES_BY_KIND, given by the
 *    server in data-outcomes-by-kind), and the source shows for prospecting;
 *  - the "who" box: htmx fetches suggestions, this picks one with the mouse or
 *    the arrow keys and fills the hidden contact / company / deal ids;
 *  - "when" stays "now" while the page sits open, until the user changes it;
 *  - a 422 answer (the form with its errors) is swapped in like a success.
 * Handlers are delegated to the document, so forms swapped in by htmx need no setup.
 */
(function () {
  "use strict";

  // base.html loads this with the panel, and some pages load it for their own
  // forms: bind once.
  if (window.quickLogReady) {
    return;
  }
  window.quickLogReady = true;

  const MEETING_KINDS = ["meeting", "demo"];

  function panel() {
    return document.getElementById("quick-log");
  }

  function isTyping(target) {
    return (
      target instanceof Element &&
      Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"))
    );
  }

  // --- opening the panel ------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    if (event.key !== "l" && event.key !== "L") {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented || isTyping(event.target)) {
      return;
    }
    const element = panel();
    // Not over a dialog the user is busy with.
    if (!element || document.querySelector(".modal.show, .offcanvas.show")) {
      return;
    }
    event.preventDefault();
    bootstrap.Offcanvas.getOrCreateInstance(element).show();
  });

  document.addEventListener("show.bs.offcanvas", function (event) {
    if (event.target !== panel()) {
      return;
    }
    const form = event.target.querySelector("form[data-activity-form]");
    if (form) {
      freshenWhen(form);
    } else {
      // First opening: fetch the form (hx-trigger="quick-log-open once").
      htmx.trigger("#quick-log-content", "quick-log-open");
    }
  });

  document.addEventListener("shown.bs.offcanvas", function (event) {
    if (event.target === panel()) {
      focusForm(event.target.querySelector("form[data-activity-form]"));
    }
  });

  function focusForm(form) {
    if (!form) {
      return;
    }
    const target =
      form.querySelector(".is-invalid, .invalid-feedback") ||
      form.querySelector("input[name='outcome']:checked:not(:disabled)") ||
      form.querySelector("input[name='kind']:checked");
    let input = target;
    if (target && target.classList.contains("invalid-feedback")) {
      const field = target.closest(".mb-3, fieldset");
      input = field && field.querySelector("input:not([type='hidden']):not(:disabled), select, textarea");
    }
    if (input) {
      input.focus();
    }
  }

  // --- kind, outcome and "when" ----------------------------------------------

  function checkedValue(form, name) {
    const input = form.querySelector("input[name='" + name + "']:checked");
    return input ? input.value : "";
  }

  // "Now" in the organisation's time zone, as a datetime-local value. The
  // server gave its local time when it rendered the form (data-now); add the
  // time since, in plain arithmetic on the naive value, so the browser's own
  // time zone never matters.
  function localNow(form) {
    const rendered = Date.parse(form.dataset.now + "Z");
    const elapsed = Date.now() - Number(form.dataset.loadedAt || Date.now());
    return new Date(rendered + elapsed).toISOString().slice(0, 16);
  }

  function freshenWhen(form) {
    const when = form.querySelector("input[data-default-now]");
    if (when && !when.dataset.touched && form.dataset.now) {
      when.value = localNow(form);
    }
  }

  // What services.default_outcome pre-selects: emails are sent, meetings booked ahead are scheduled.
  function suggestOutcome(form, kind) {
    if (checkedValue(form, "outcome")) {
      return;
    }
    const when = form.querySelector("input[name='occurred_at']");
    let value = "";
    if (kind === "email") {
      value = "sent";
    } else if (MEETING_KINDS.includes(kind) && when && when.value && form.dataset.now && when.value > localNow(form)) {
      value = "scheduled";
    }
    const input = value && form.querySelector("input[name='outcome'][value='" + value + "']");
    if (input && !input.disabled) {
      input.checked = true;
    }
  }

  function showOutcomesFor(form) {
    const kind = checkedValue(form, "kind");
    const group = form.querySelector("[data-outcome-group]");
    if (group) {
      const allowed = JSON.parse(group.dataset.outcomesByKind)[kind] || [];
      group.hidden = allowed.length === 0;
      group.querySelectorAll("input[name='outcome']").forEach(function (input) {
        const fits = allowed.includes(input.value);
        input.closest("[data-outcome-option]").hidden = !fits;
        input.disabled = !fits;
        if (!fits) {
          input.checked = false;
        }
      });
    }
    form.querySelectorAll("[data-show-for-kind]").forEach(function (element) {
      element.hidden = element.dataset.showForKind !== kind;
    });
    suggestOutcome(form, kind);
  }

  document.addEventListener("change", function (event) {
    const form = event.target.closest("form[data-activity-form]");
    if (!form) {
      return;
    }
    if (event.target.name === "kind") {
      showOutcomesFor(form);
    } else if (event.target.name === "occurred_at") {
      suggestOutcome(form, checkedValue(form, "kind"));
    }
  });

  // --- "who": suggestions -------------------------------------------------------

  function whoParts(element) {
    const box = element.closest("[data-who]");
    if (!box) {
      return null;
    }
    const input = box.querySelector("input[role='combobox']");
    return { box: box, input: input, list: document.getElementById(input.getAttribute("aria-controls")) };
  }

  function options(parts) {
    return Array.from(parts.list.querySelectorAll("[role='option']"));
  }

  function closeOptions(parts) {
    parts.list.replaceChildren();
    parts.input.setAttribute("aria-expanded", "false");
    parts.input.removeAttribute("aria-activedescendant");
  }

  function setActive(parts, option) {
    options(parts).forEach(function (each) {
      const active = each === option;
      each.classList.toggle("active", active);
      each.setAttribute("aria-selected", active ? "true" : "false");
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function setLinks(form, values) {
    ["contact", "company", "deal"].forEach(function (name) {
      const hidden = form.querySelector("input[type='hidden'][name='" + name + "']");
      if (hidden) {
        hidden.value = values[name] || "";
      }
    });
  }

  function pick(parts, option) {
    parts.input.value = option.dataset.label;
    setLinks(parts.input.form, option.dataset);
    closeOptions(parts);
    parts.input.focus();
  }

  document.addEventListener("input", function (event) {
    if (event.target.name === "occurred_at") {
      event.target.dataset.touched = "1";
    }
    const parts = event.target.getAttribute("role") === "combobox" && whoParts(event.target);
    if (parts) {
      // The text no longer names what was picked.
      setLinks(event.target.form, {});
      if (!event.target.value.trim()) {
        closeOptions(parts);
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    const parts = event.target.getAttribute && event.target.getAttribute("role") === "combobox" && whoParts(event.target);
    if (!parts) {
      return;
    }
    const all = options(parts);
    const current = all.findIndex(function (option) {
      return option.classList.contains("active");
    });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (all.length) {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive(parts, all[(current + step + all.length) % all.length]);
      }
    } else if (event.key === "Enter" && all.length) {
      // Enter picks (the highlighted suggestion, else the first); it does not submit a half-picked form.
      event.preventDefault();
      pick(parts, all[current >= 0 ? current : 0]);
    } else if (event.key === "Escape" && parts.list.children.length) {
      // Close the suggestions, not the panel.
      event.preventDefault();
      event.stopPropagation();
      closeOptions(parts);
    }
  });

  document.addEventListener("mousedown", function (event) {
    // Keep the focus in the box while clicking a suggestion.
    if (event.target.closest("[data-who] [role='option']")) {
      event.preventDefault();
    }
  });

  document.addEventListener("click", function (event) {
    const option = event.target.closest("[data-who] [role='option']");
    if (option) {
      pick(whoParts(option), option);
    }
  });

  document.addEventListener("focusout", function (event) {
    const parts = whoParts(event.target);
    if (parts && !parts.box.contains(event.relatedTarget)) {
      closeOptions(parts);
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    const parts = event.detail.target.getAttribute("role") === "listbox" && whoParts(event.detail.target);
    if (parts) {
      // An answer that arrives after the user left the box or cleared it is dropped.
      if (document.activeElement !== parts.input || !parts.input.value.trim()) {
        closeOptions(parts);
      } else {
        parts.input.setAttribute("aria-expanded", options(parts).length ? "true" : "false");
      }
    }
  });

  // The search sends the box's text as the parameter data-search-param names: htmx could
  // compute it (hx-vals="js:...") only with eval, which the CSP forbids.
  document.addEventListener("htmx:configRequest", function (event) {
    const name = event.detail.elt.dataset.searchParam;
    if (name) {
      event.detail.parameters[name] = event.detail.elt.value;
    }
  });

  // --- sending and answers ------------------------------------------------------

  // Tell the server the page shows the (unfiltered) activity list, so its answer adds the new row to it.
  document.addEventListener("htmx:configRequest", function (event) {
    const list = document.querySelector("#activity-rows[data-takes-new-rows]");
    if (list && event.detail.elt.matches("form[data-activity-form]")) {
      event.detail.headers["X-Activity-List"] = "1";
    }
  });

  // 422 is the form with its errors (nothing was written): show it. Only for
  // requests from inside [data-swap-422] (detail.elt is the target here, not the sender).
  document.addEventListener("htmx:beforeSwap", function (event) {
    const sender = event.detail.requestConfig ? event.detail.requestConfig.elt : event.detail.elt;
    if (event.detail.xhr.status === 422 && sender && sender.closest("[data-swap-422]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  htmx.onLoad(function (root) {
    const forms = root.matches("form[data-activity-form]")
      ? [root]
      : Array.from(root.querySelectorAll("form[data-activity-form]"));
    forms.forEach(function (form) {
      form.dataset.loadedAt = String(Date.now());
      const inPanel = form.closest("#quick-log");
      if (inPanel && inPanel.classList.contains("show")) {
        focusForm(form);
      }
    });
  });
})();
