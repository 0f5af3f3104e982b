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

  // Review shortcuts: 1–5 add with that rating, s skip, n not this movie, / search, u undo.
  document.addEventListener("keydown", function (event) {
    var card = document.querySelector("[data-review-card]");
    if (!card || event.ctrlKey || event.metaKey || event.altKey) return;
    if (inField(event.target)) {
      if (event.key === "Escape") event.target.blur();
      // Enter in "Rated on" would submit the stars' form: it never rates.
      if (event.key === "Enter" && event.target.closest("[data-rating-form]")) {
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

  // A poster that fails to load (Amazon's image gone, offline) becomes the placeholder,
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

  // The upload form: default the time zone to the browser's own.
  var zone = document.getElementById("id_time_zone");
  if (zone && window.Intl) {
    var mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (mine && zone.querySelector('option[value="' + mine + '"]')) zone.value = mine;
  }
})();
