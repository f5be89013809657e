// A dedicated worker of a page under the guard: it fetches what it is told
// to and answers the status (tests/e2e/sw.test.mjs).
onmessage = async (e) => {
  try {
    const r = await fetch(e.data);
    postMessage({ status: r.status, body: await r.text() });
  } catch (error) {
    postMessage({ error: String(error) });
  }
};
