/**
 * Starts a browser download of `url` under the name `fileName`: a temporary `<a download>` link,
 * clicked. The browser fetches the file itself and writes it to disk as it arrives, so the page
 * never holds the content (the browser host streams exports from disk at /exports/<id>).
 */
export function startDownload(url: string, fileName: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
}
