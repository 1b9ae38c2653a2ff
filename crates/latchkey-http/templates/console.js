// The Developer Console's only script (served as /console/static/console.js under a
// strict CSP: no inline script). Everything works without it; it adds copy buttons,
// reading a certificate file into its text box, and confirmations before destructive
// changes.
'use strict'
document.querySelectorAll('button[data-copy]').forEach(function (b) {
  b.hidden = false
  b.addEventListener('click', function () {
    var el = document.querySelector(b.dataset.copy)
    if (!el) return
    var text = (el.value !== undefined && el.tagName === 'INPUT') ? el.value : el.textContent
    navigator.clipboard.writeText(text.trim()).then(function () {
      b.textContent = 'Copied'
    }, function () {
      if (el.select) el.select()
      b.textContent = 'Press Ctrl+C'
    })
  })
})
document.querySelectorAll('input[type=file][data-fill]').forEach(function (input) {
  input.hidden = false
  input.addEventListener('change', function () {
    var f = input.files && input.files[0]
    var target = document.querySelector(input.dataset.fill)
    if (f && target) f.text().then(function (t) { target.value = t })
  })
})
document.querySelectorAll('form[data-confirm]').forEach(function (form) {
  form.addEventListener('submit', function (e) {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault()
  })
})
