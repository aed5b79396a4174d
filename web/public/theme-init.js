// Runs before first paint (loaded by index.html). Keep in step with src/composables/useTheme.ts.
;(function () {
  var theme = 'light'
  try {
    var saved = window.localStorage.getItem('retv4_theme')
    if (saved === 'light' || saved === 'dark') theme = saved
    else if (window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches) theme = 'dark'
  } catch (e) {
    /* storage blocked: keep light */
  }
  document.documentElement.setAttribute('data-theme', theme)
})()
