// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  var wantSearch = false;

  function inField(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function focusSearch() {
    var search = document.querySelector("[data-search-input]");
    if (!search) return false;
    search.focus();
    search.select();
    return true;
  }

  // A key can arrive while htmx is still settling a new card, before it has wired up the
  // card's links and forms; wiring twice is harmless, and a click must not navigate away.
  function press(control) {
    var wired = control.closest("form") || control;
    if (window.htmx) window.htmx.process(wired);
    control.click();
  }

  // While the card's answer is on its way, the card is busy: its buttons are disabled and
  // keys do nothing, so a second press can never act on the card being replaced.
  function busy(card) {
    return card.getAttribute("aria-busy") === "true";
  }
  function setBusy(card, on) {
    if (on) card.setAttribute("aria-busy", "true");
    else card.removeAttribute("aria-busy");
    card.querySelectorAll("button").forEach(function (button) {
      if (on) {
        if (!button.disabled) button.setAttribute("data-busy-disabled", "");
        button.disabled = true;
      } else if (button.hasAttribute("data-busy-disabled")) {
        button.removeAttribute("data-busy-disabled");
        button.disabled = false;
      }
    });
  }
  function cardRequest(event) {
    var elt = event.detail.elt;
    var target = event.detail.target;
    if (!elt || !elt.closest || elt.closest(".search-form")) return null;
    var card = elt.closest("[data-review-card]");
    return card && target && target.id === "review-card" ? card : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var card = cardRequest(event);
    if (card && !event.detail.elt.hasAttribute("data-poll")) setBusy(card, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var card = cardRequest(event);
    // A failed request leaves the card in place: it may act again.
    if (card && document.body.contains(card) && !event.detail.successful) setBusy(card, false);
  });

  // Review shortcuts: 1–5 add with that rating, s skip, n not this movie, / search, u undo,
  // k keep the rating you had.
  document.addEventListener("keydown", function (event) {
    var card = document.querySelector("[data-review-card]");
    if (!card || event.ctrlKey || event.metaKey || event.altKey) return;
    if (busy(card) && !inField(event.target)) {
      event.preventDefault();
      return;
    }
    if (inField(event.target)) {
      if (event.key === "Escape") event.target.blur();
      // Enter in "Rated on" would submit the stars' form: it never rates.
      var form = event.target.form;
      if (event.key === "Enter" && form && form.hasAttribute("data-rating-form")) {
        event.preventDefault();
      }
      return;
    }
    if (event.key === "/") {
      event.preventDefault();
      if (!focusSearch()) {
        var open = card.querySelector('[data-key="n"]');
        if (open) {
          wantSearch = true;
          press(open);
        }
      }
      return;
    }
    var control = card.querySelector('[data-key="' + event.key.toLowerCase() + '"]');
    if (control) {
      event.preventDefault();
      press(control);
    }
  });

  // After a swap, put focus where a keyboard or screen-reader user expects it. Only once the
  // card (or the choices) has settled: htmx has then wired up its new links and forms.
  document.addEventListener("htmx:afterSettle", function (event) {
    var settled = event.detail.elt;
    if (!settled || (settled.id !== "review-card" && settled.id !== "choices")) return;
    var request = event.detail.requestConfig;
    var trigger = request && request.elt;
    if (!trigger || !trigger.closest) return;
    // Polling brings news, not an answer to the person: focus stays where they left it.
    if (trigger.hasAttribute("data-poll")) return;
    if (trigger.closest(".search-form")) return; // typing a search: focus stays in the box
    if (trigger.matches('[data-key="n"]')) {
      if (wantSearch) {
        wantSearch = false;
        focusSearch();
        return;
      }
      var first = document.querySelector("#choices .choice button");
      if (first) first.focus();
      else focusSearch();
      return;
    }
    if (document.querySelector("[data-review-card]")) {
      var title = document.getElementById("card-title");
      if (title) title.focus();
    }
  });

  // A TMDB poster that fails to load (offline, gone) becomes the one we draw,
  // whether it failed before this script ran or fails later (after a swap).
  function fallBack(image) {
    if (image.dataset.fallback && image.src !== image.dataset.fallback) {
      image.src = image.dataset.fallback;
    }
  }
  document.addEventListener(
    "error",
    function (event) {
      if (event.target.tagName === "IMG") fallBack(event.target);
    },
    true
  );
  document.querySelectorAll("img[data-fallback]").forEach(function (image) {
    if (image.complete && image.naturalWidth === 0) fallBack(image);
  });

  // The upload form: default the time zone to the browser's own. The list shows each zone
  // by its place under its region ("Tokyo" under "Asia").
  var zones = document.querySelector("[data-zones]");
  if (zones && window.Intl) {
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    Array.prototype.forEach.call(zones.options, function (option) {
      var group = option.parentNode.label;
      var name = (group ? group + "/" : "") + option.value.replace(/ /g, "_");
      if (name === mine || option.value === mine) zones.value = option.value;
    });
  }

  // A history file dropped anywhere on the drop zone goes into its file input.
  var zone = document.querySelector("[data-drop-zone]");
  if (zone) {
    var input = zone.querySelector("input[type=file]");
    var shown = zone.querySelector("[data-drop-file]");
    var showName = function () {
      shown.textContent = input.files.length ? "Chosen: " + input.files[0].name : "";
    };
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove("dragging");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName();
      }
    });
    input.addEventListener("change", showName);
    zone.classList.add("droppable");
  }
})();
