// Drag-and-drop order of a pipeline's stages. Without JavaScript the up and down
// buttons post the same endpoint; this only makes it one gesture.
(function () {
  "use strict";

  function stageIds(tbody) {
    return Array.from(tbody.querySelectorAll("tr[data-stage-id]"), (row) => row.dataset.stageId);
  }

  function makeSortable(tbody) {
    Sortable.create(tbody, {
      handle: ".stage-handle",
      draggable: "tr[data-stage-id]",
      animation: 150,
      onEnd: function (event) {
        if (event.oldIndex === event.newIndex) return;
        // The server answers with the rows as saved, so a refused order snaps back.
        htmx.ajax("POST", tbody.dataset.reorderUrl, {
          source: tbody,
          target: tbody,
          swap: "outerHTML",
          values: { stage: stageIds(tbody) },
        });
      },
    });
  }

  htmx.onLoad(function (root) {
    const found = root.matches("[data-sortable-stages]") ? [root] : root.querySelectorAll("[data-sortable-stages]");
    found.forEach(makeSortable);
  });

  // A refused order comes back as 400 with the saved rows and the reason: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target.matches("[data-sortable-stages]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
