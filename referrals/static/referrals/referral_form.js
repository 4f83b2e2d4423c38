// Keep the consent text naming the study team the patient has selected.
(function () {
  "use strict";
  var label = document.getElementById("consent-text");
  var texts = document.getElementById("consent-texts");
  if (!label || !texts) { return; }
  document.querySelectorAll('input[name="site"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      var item = texts.querySelector('li[data-site="' + radio.value + '"]');
      if (item) { label.textContent = item.textContent; }
    });
  });
})();
