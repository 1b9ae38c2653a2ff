// Latchkey OAuth 2.0 Playground: live expiry countdowns and copy buttons. Everything on
// the page works without this script.
(function () {
  function tick () {
    var now = Math.floor(Date.now() / 1000)
    document.querySelectorAll('[data-expires-at]').forEach(function (el) {
      var left = parseInt(el.getAttribute('data-expires-at'), 10) - now
      if (isNaN(left)) return
      if (left <= 0) { el.textContent = 'expired'; el.classList.add('bad'); return }
      var h = Math.floor(left / 3600); var m = Math.floor((left % 3600) / 60); var s = left % 60
      el.textContent = 'expires in ' + (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + s + 's'
    })
  }
  tick(); setInterval(tick, 1000)
  document.querySelectorAll('button[data-copy]').forEach(function (b) {
    b.hidden = false
    b.addEventListener('click', function (ev) {
      ev.preventDefault()
      var src = document.getElementById(b.getAttribute('data-copy'))
      if (!src || !navigator.clipboard) return
      navigator.clipboard.writeText(src.value || src.textContent).then(function () {
        b.textContent = 'Copied'
        setTimeout(function () { b.textContent = 'Copy' }, 1500)
      })
    })
  })
})()
