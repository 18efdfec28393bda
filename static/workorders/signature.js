/* The customer's signature pad: draw with finger, pen or mouse on a <canvas> (pointer events), post the
   drawing as a PNG data URL in the form's hidden "signature" field. No libraries. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-signature-pad]").forEach(function (form) {
    var canvas = form.querySelector("canvas");
    var field = form.querySelector("input[name=signature]");
    var empty = form.querySelector("[data-empty-message]");
    if (!canvas || !field) return;
    var ctx = canvas.getContext("2d");
    var drawing = false, hasInk = false, last = null;

    // Match the bitmap to the displayed size (sharp on high-density tablets), capped to keep the PNG small.
    var rect = canvas.getBoundingClientRect();
    var ratio = Math.min(window.devicePixelRatio || 1, 2);
    if (rect.width > 0 && rect.height > 0) {
      canvas.width = Math.max(200, Math.round(rect.width * ratio));
      canvas.height = Math.max(80, Math.round(rect.height * ratio));
    }

    function style() {
      ctx.lineWidth = 2.5 * ratio;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#102a43";
    }
    style();

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      // a tap leaves a dot
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      hasInk = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) events = [event];
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      events.forEach(function (e) { var p = point(e); ctx.lineTo(p.x, p.y); last = p; });
      ctx.stroke();
      hasInk = true;
      if (empty) empty.hidden = true;
    });
    function stop(event) {
      if (!drawing) return;
      drawing = false;
      if (canvas.releasePointerCapture && event.pointerId !== undefined) {
        try { canvas.releasePointerCapture(event.pointerId); } catch (e) { /* already released */ }
      }
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);

    var clear = form.querySelector("[data-clear]");
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      hasInk = false;
      field.value = "";
    });

    form.addEventListener("submit", function (event) {
      if (!hasInk) {
        event.preventDefault();
        if (empty) empty.hidden = false;
        canvas.focus();
        return;
      }
      // Transparent background, dark ink: the server checks the image is a real, non-blank PNG.
      field.value = canvas.toDataURL("image/png");
    });
  });
})();
