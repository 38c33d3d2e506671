// Players of a suggestion's time span (templates/_media.html): each starts at data-start, stops at data-end, and
// its button plays the span again. Review pages press the current item's button with "p" (review.js).
(function () {
  document.querySelectorAll(".span-player").forEach((figure) => {
    const player = figure.querySelector("audio, video");
    const start = Number(figure.dataset.start || 0);
    const end = figure.dataset.end === undefined ? null : Number(figure.dataset.end);
    let armed = true;  // stop at the span's end once; after that the player's own controls play on freely
    player.addEventListener("loadedmetadata", () => { player.currentTime = start; });
    player.addEventListener("timeupdate", () => {
      if (armed && end !== null && player.currentTime >= end) {
        armed = false;
        player.pause();
      }
    });
    const button = figure.querySelector(".play-span");
    if (button) button.addEventListener("click", () => {
      armed = true;
      player.currentTime = start;
      player.play();
    });
  });
})();
