// The report page's unit picker: shows one unit's rows at a time (or all); a link to #unit-CODE picks that unit.
(function () {
  "use strict";
  var picker = document.getElementById("unit-picker");
  if (!picker) return;
  var sections = document.querySelectorAll(".unit-section");

  function show(code) {
    for (var i = 0; i < sections.length; i++) {
      sections[i].hidden = code !== "" && sections[i].getAttribute("data-unit") !== code;
    }
    picker.value = code;
  }

  function fromHash() {
    var match = /^#unit-(.+)$/.exec(decodeURIComponent(window.location.hash || ""));
    if (match && document.getElementById("unit-" + match[1])) {
      show(match[1]);
      return true;
    }
    return false;
  }

  picker.addEventListener("change", function () {
    show(picker.value);
    if (picker.value) {
      history.replaceState(null, "", "#unit-" + encodeURIComponent(picker.value));
    } else {
      history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  });
  window.addEventListener("hashchange", fromHash);
  if (!fromHash()) show(picker.value);
})();
