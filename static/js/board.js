/* The pipeline board: drag a card to another column to move the deal.
 *
 * The server is the source of truth. Every move answers with the whole board
 * re-rendered from the database (#board, swapped by htmx), so a refused move
 * puts the card back where it belongs. When the move needs more (a close date,
 * a lost reason) or has errors, the answer also carries the move form, which
 * opens in #deal-modal. Without JavaScript, each card's "Move" link opens the
 * same form as a page.
 */
(function () {
  "use strict";

  const modalElement = document.getElementById("deal-modal");
  const modalContent = document.getElementById("deal-modal-content");
  let lastDrop = null;

  function boardElement() {
    return document.getElementById("board");
  }

  function putBack(drop) {
    // Before the server answers (or when it cannot): the card returns to where it came from.
    const before = drop.from.children[drop.oldIndex] || null;
    drop.from.insertBefore(drop.item, before);
  }

  function refreshBoard() {
    const board = boardElement();
    if (board) {
      htmx.ajax("GET", board.dataset.refreshUrl, { target: "#board", swap: "outerHTML" });
    }
  }

  function moveDeal(event) {
    if (event.from === event.to) {
      return;
    }
    const card = event.item;
    lastDrop = { item: card, from: event.from, oldIndex: event.oldIndex };
    boardElement().setAttribute("aria-busy", "true");
    htmx.ajax("POST", card.dataset.moveUrl, {
      source: card,
      target: "#board",
      swap: "outerHTML",
      values: { stage: event.to.dataset.stageId },
    });
  }

  function makeSortable(list) {
    Sortable.create(list, {
      group: "board",
      sort: false, // cards are ordered by the server (longest in stage first); only moves between columns count
      draggable: ".deal-card",
      filter: ".deal-category", // the category select is for choosing, not for dragging the card
      preventOnFilter: false,
      animation: 150,
      delay: 200,
      delayOnTouchOnly: true, // on phones a short press starts a drag, a swipe scrolls the board
      onEnd: moveDeal,
    });
  }

  // On page load and whenever htmx swaps in a new board.
  htmx.onLoad(function (root) {
    root.querySelectorAll(".board-cards[data-stage-id]").forEach(makeSortable);
  });

  // A move with errors answers 422 with the board and the form: show both.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "board") {
      lastDrop = null;
    }
  });

  // No usable answer (the deal is gone, the server failed, the network is down):
  // put the card back and ask the server for the board as it is.
  function onFailure() {
    const board = boardElement();
    if (board) {
      board.removeAttribute("aria-busy");
    }
    if (lastDrop) {
      putBack(lastDrop);
      lastDrop = null;
      refreshBoard();
    }
  }
  document.body.addEventListener("htmx:responseError", onFailure);
  document.body.addEventListener("htmx:sendError", onFailure);

  // Sent by the server (HX-Trigger-After-Settle) with the board it answers.
  document.body.addEventListener("deal-move-form", function () {
    bootstrap.Modal.getOrCreateInstance(modalElement).show();
  });
  modalElement.addEventListener("shown.bs.modal", function () {
    const first = modalContent.querySelector("input:not([type=hidden]), select");
    if (first) {
      first.focus();
    }
  });
  document.body.addEventListener("deal-moved", function () {
    const modal = bootstrap.Modal.getInstance(modalElement);
    if (modal) {
      modal.hide();
    }
  });
  modalElement.addEventListener("hidden.bs.modal", function () {
    modalContent.replaceChildren();
  });
})();
