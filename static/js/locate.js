/* "Use my location": an optional enhancement of the location forms.
   Without JavaScript (or without geolocation) the button stays hidden and the postal
   code box does the job. With it, the browser's coordinates go into the form's hidden
   lat/lon fields, the typed place is cleared (coordinates win), and the form is sent.
   Nothing is sent anywhere else. */
(function () {
  "use strict";
  if (!("geolocation" in navigator)) {
    return;
  }
  var forms = document.querySelectorAll("[data-locate-form]");
  Array.prototype.forEach.call(forms, function (form) {
    var button = form.querySelector("[data-locate]");
    var status = form.querySelector("[data-locate-status]");
    var lat = form.querySelector("input[name=lat]");
    var lon = form.querySelector("input[name=lon]");
    var place = form.querySelector("input[name=location]");
    if (!button || !lat || !lon) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.getAttribute("data-locating");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(5);
          lon.value = position.coords.longitude.toFixed(5);
          if (place) {
            place.value = "";
          }
          if (form.requestSubmit) {
            form.requestSubmit();
          } else {
            form.submit();
          }
        },
        function () {
          button.disabled = false;
          status.textContent = button.getAttribute("data-failed");
          if (place) {
            place.focus();
          }
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
    // A typed place replaces coordinates picked earlier.
    if (place) {
      place.addEventListener("input", function () {
        lat.value = "";
        lon.value = "";
      });
    }
  });
})();
