// The server's JSON API: GET without a body, POST with one. A refusal throws an Error with the
// server's one-line message.

// A dataset as the page names it: mnist, or the last folder of a path.
export const folderName = (name) => name.split("/").filter(Boolean).pop();

export async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}
