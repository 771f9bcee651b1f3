// ler: the few lines of JavaScript the pages use. Every page works without them; they add
// the camera QR scanner (where the browser has BarcodeDetector), the bulk-issue progress
// poll, copy buttons and confirmations. No library.
"use strict";
(function () {
  // Scan a QR code with the camera, where the browser can.
  var scan = document.getElementById("scan");
  if (scan && "BarcodeDetector" in window && navigator.mediaDevices) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") < 0) return;
      var box = scan.querySelector(".camera");
      var video = document.getElementById("scan-video");
      var status = document.getElementById("scan-status");
      var button = document.getElementById("scan-start");
      box.hidden = false;
      button.addEventListener("click", function () {
        status.textContent = scan.dataset.msgStarting;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          button.hidden = true;
          return video.play().then(function () {
            var tick = function () {
              detector.detect(video).then(function (codes) {
                if (codes.length > 0) {
                  stream.getTracks().forEach(function (t) { t.stop(); });
                  status.textContent = scan.dataset.msgFound;
                  document.getElementById("qrtext").value = codes[0].rawValue;
                  document.getElementById("scan-form").submit();
                } else {
                  setTimeout(tick, 250);
                }
              }, function () { setTimeout(tick, 500); });
            };
            tick();
          });
        }).catch(function () {
          status.textContent = scan.dataset.msgDenied;
        });
      });
    }).catch(function () {});
  }

  // Follow a bulk-issue job.
  var progress = document.getElementById("job-progress");
  if (progress && progress.dataset.url) {
    var bar = progress.querySelector("progress");
    var text = progress.querySelector(".count");
    var poll = function () {
      fetch(progress.dataset.url, { headers: { accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          bar.value = j.done;
          bar.max = j.total;
          text.textContent = j.text;
          if (j.finished) { window.location.reload(); } else { setTimeout(poll, 800); }
        }, function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 500);
  }

  // Copy a link.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = !navigator.clipboard;
    b.addEventListener("click", function () {
      var target = document.getElementById(b.dataset.copy);
      navigator.clipboard.writeText(target.value || target.textContent).then(function () {
        b.textContent = b.dataset.done;
      });
    });
  });

  // Ask before what cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
})();
