// Applies the saved colour theme before first paint (no flash of the wrong colours). A file of
// its own, not an inline <script>: the collector's Content-Security-Policy allows only 'self'.
try {
  const t = localStorage.getItem('bootwatch.theme');
  if (t === 'light' || t === 'dark') document.documentElement.dataset.theme = t;
} catch {}
