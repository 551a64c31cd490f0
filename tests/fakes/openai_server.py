"""A local stand-in for the OpenAI HTTP API, for tests and benchmarks.

`FakeOpenAI` emulates the parts of ``https://api.openai.com/v1`` that ragbot uses:

* ``POST /v1/embeddings`` -- deterministic hashed bag-of-words vectors (texts sharing words are
  closer by cosine; set ``embedding_fn`` for others), ``encoding_format`` ``"float"`` or
  ``"base64"`` (little-endian float32, what the openai SDK asks for when the caller gives no
  format), per-model default dimensions.
* ``POST /v1/chat/completions`` -- plain and streamed (SSE, chunked transfer encoding) answers
  taken from a FIFO the test fills, else from a replaceable ``chat_responder`` callable. Requests
  OpenAI would refuse are refused with 400: no model or messages, an unknown message role, a
  system/user message without content, ``temperature`` outside 0..2, ``max_tokens`` below 1.
* ``GET /v1/models`` and ``GET /v1/models/{id}``; any other path answers 404 with an OpenAI-style
  error body.

Fault injection: per-endpoint FIFO of `Fault` objects (one consumed per request): HTTP error
statuses with ``Retry-After``/``retry-after-ms`` headers, a delay before answering, a dropped
connection, or a stream cut after N chunks. ``latency_s[endpoint]`` adds a constant delay to
every request of that endpoint.

Behaviour of the real openai SDK (3.x, httpx2 transport) against these faults, checked in
``test_fakes.py``:

* 408/409/429/5xx are retried ``max_retries`` times (default 2). The SDK honours ``retry-after-ms``
  first, then ``Retry-After``, but only when the value is > 0 and <= 120 s; ``Retry-After: 0``
  falls back to its exponential backoff (0.5 s * 2**n, minus up to 25 % jitter), so use
  ``Fault(status=429, retry_after_ms="1")`` for fast retry tests.
* ``Fault(cut_stream_after=N)`` on a streamed chat completion: the SDK yields the first N chunks,
  then iteration raises ``openai.APIConnectionError`` (the chunked body ends without its
  terminating chunk, httpx reports an incomplete read). It never ends silently, and a broken
  stream is not retried.
* ``Fault(delay_s=...)`` longer than the client's ``timeout`` makes the SDK raise
  ``openai.APITimeoutError`` (after its retries).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import struct
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.http import FakeHTTPServer, FakeRequestHandler

ENDPOINTS = ("embeddings", "chat", "models")

MODEL_DIMENSIONS: dict[str, int] = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
CHAT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "gpt-4.1")
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool", "function")

_WORD = re.compile(r"\w+")
_PIECE = re.compile(r"\S+\s*|\s+")

ChatResponder = Callable[[dict[str, Any]], str]
EmbeddingFn = Callable[[str, int], list[float]]  # (text, dimension) -> vector


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the fake received. Header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str] = field(repr=False)
    json: Any = None


@dataclass(frozen=True)
class Fault:
    """A one-shot failure for the next request to an endpoint.

    Applied in this order: sleep ``delay_s``; then ``disconnect`` (close the socket without
    answering); then ``status`` (answer that HTTP status with an OpenAI error body, plus
    ``Retry-After: retry_after`` and ``retry-after-ms: retry_after_ms`` when given); then
    ``cut_stream_after`` (streamed chat only: send N SSE chunks, the first being the role chunk,
    then drop the connection without ``[DONE]``). A fault with only ``delay_s`` answers normally.
    """

    status: int | None = None
    retry_after: str | None = None
    retry_after_ms: str | None = None
    delay_s: float = 0.0
    disconnect: bool = False
    cut_stream_after: int | None = None
    message: str | None = None


class OpenAIHTTPError(Exception):
    """Raised inside the fake to answer with an OpenAI-style error body."""

    def __init__(self, status: int, message: str, err_type: str, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.err_type = err_type
        self.code = code

    def body(self) -> dict[str, Any]:
        """The JSON error object OpenAI returns."""
        return {
            "error": {"message": str(self), "type": self.err_type, "param": None, "code": self.code}
        }


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens, as the fake embedding model sees them."""
    return _WORD.findall(text.lower())


def hashed_embedding(text: str, dim: int) -> list[float]:
    """L2-normalised signed hashed bag-of-words vector of ``text`` (float32 precision)."""
    vec = [0.0] * dim
    for word in tokenize(text) or [text]:
        n = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        vec[n % dim] += -1.0 if n >> 63 else 1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:
        vec[0], norm = 1.0, 1.0
    return list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *(v / norm for v in vec))))


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two equal-length vectors."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def default_chat_responder(request_json: dict[str, Any]) -> str:
    """Deterministic answer that cites source ``[1]`` and names the last user question.

    A follow-up rewrite request ("…Last message: X … Standalone question:") gets X back, as a
    model would return a question that already stands alone.
    """
    users = [m for m in request_json.get("messages", []) if m.get("role") == "user"]
    text = _message_text(users[-1]) if users else ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and lines[-1] == "Standalone question:":
        last = [ln for ln in lines if ln.startswith("Last message:")]
        return last[-1].removeprefix("Last message:").strip() if last else ""
    question = lines[-1][:100] if lines else "your question"
    return f"Based on the sources, here is the answer to: {question} [1]"


def _count_tokens(texts: list[str]) -> int:
    return sum(max(1, len(tokenize(t))) for t in texts)


class _Handler(FakeRequestHandler):
    """Parses requests and writes responses; `FakeOpenAI` decides what to answer."""

    def do_DELETE(self) -> None:  # noqa: N802 - the http.server API
        self._serve()

    def default_headers(self) -> dict[str, str]:
        return {"x-request-id": f"req_{uuid.uuid4().hex[:16]}"}

    def start_sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
        self.end_headers()

    def send_sse(self, data: str) -> None:
        payload = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def abort(self) -> None:
        """Drop the connection now (no response, or a truncated chunked body)."""
        self.close_connection = True
        self.wfile.flush()


class FakeOpenAI(FakeHTTPServer):
    """OpenAI-compatible HTTP server on 127.0.0.1 (random port), run in a daemon thread.

    Use as a context manager or call `start()` / `stop()`. Point the SDK at `base_url`.
    """

    handler_class = _Handler

    def __init__(self, *, default_dim: int = 64, require_auth: bool = True) -> None:
        super().__init__()
        self.default_dim = default_dim
        self.require_auth = require_auth
        self.reject_empty_input = True  # OpenAI answers 400 to "" inputs
        self.max_batch = 2048  # OpenAI's limit on inputs per embeddings request
        self.requests: list[RecordedRequest] = []
        self.latency_s: dict[str, float] = dict.fromkeys(ENDPOINTS, 0.0)
        self.chat_responder: ChatResponder = default_chat_responder
        self.embedding_fn: EmbeddingFn = hashed_embedding
        self._faults: dict[str, deque[Fault]] = {e: deque() for e in ENDPOINTS}
        self._replies: deque[str] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """What ``OPENAI_BASE_URL`` / ``openai.OpenAI(base_url=...)`` takes."""
        return f"{self.url}/v1"

    # ------------------------------------------------------------ test controls

    def queue_chat_reply(self, *texts: str) -> None:
        """Queue answers for the next chat completions (FIFO, one per request)."""
        with self._lock:
            self._replies.extend(texts)

    def add_fault(self, endpoint: str, fault: Fault) -> None:
        """Queue a one-shot fault for ``"embeddings"``, ``"chat"`` or ``"models"``."""
        if endpoint not in self._faults:
            raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {ENDPOINTS}")
        with self._lock:
            self._faults[endpoint].append(fault)

    def pending_faults(self, endpoint: str) -> int:
        """How many queued faults the endpoint has not consumed yet."""
        with self._lock:
            return len(self._faults[endpoint])

    def requests_to(self, path_suffix: str) -> list[RecordedRequest]:
        """Recorded requests whose path ends with ``path_suffix`` (e.g. ``"/embeddings"``)."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    def embedding_for(
        self, text: str, model: str = "", dimensions: int | None = None
    ) -> list[float]:
        """The vector the fake returns for ``text`` (float32 values as Python floats)."""
        return self.embedding_fn(text, dimensions or self.dim_for(model))

    def dim_for(self, model: str) -> int:
        """Default dimension of ``model`` (unknown models use ``default_dim``)."""
        return MODEL_DIMENSIONS.get(model, self.default_dim)

    def reset(self) -> None:
        """Forget recorded requests, queued faults and queued replies."""
        with self._lock:
            self.requests.clear()
            self._replies.clear()
            for queue in self._faults.values():
                queue.clear()

    # ------------------------------------------------------------------ routing

    def _handle(self, h: _Handler) -> None:
        path = urlsplit(h.path).path
        raw = h.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(
                RecordedRequest(h.command, path, {k.lower(): v for k, v in h.headers.items()}, body)
            )
        try:
            if raw and body is None:
                raise OpenAIHTTPError(
                    400,
                    "We could not parse the JSON body of your request.",
                    "invalid_request_error",
                )
            self._route(h, path, body)
        except OpenAIHTTPError as err:
            h.send_json(err.status, err.body())

    def _route(self, h: _Handler, path: str, body: Any) -> None:
        endpoint, model_id = self._endpoint(h.command, path)
        if endpoint is None:
            raise OpenAIHTTPError(
                404, f"Invalid URL ({h.command} {path})", "invalid_request_error", "unknown_url"
            )
        self._check_auth(h)
        self._sleep(self.latency_s.get(endpoint, 0.0))
        fault = self._next_fault(endpoint)
        if fault is not None and self._apply_fault(h, fault, body):
            return
        if endpoint == "models":
            h.send_json(200, self._models(model_id))
        elif not isinstance(body, dict):
            raise OpenAIHTTPError(
                400, "Request body must be a JSON object.", "invalid_request_error"
            )
        elif endpoint == "embeddings":
            h.send_json(200, self._embeddings(body))
        elif body.get("stream"):
            self._stream_chat(h, body, fault.cut_stream_after if fault else None)
        else:
            h.send_json(200, self._chat(body))

    @staticmethod
    def _endpoint(method: str, path: str) -> tuple[str | None, str | None]:
        route = path.removeprefix("/v1").rstrip("/")
        if method == "POST" and route == "/embeddings":
            return "embeddings", None
        if method == "POST" and route == "/chat/completions":
            return "chat", None
        if method == "GET" and route == "/models":
            return "models", None
        if method == "GET" and route.startswith("/models/"):
            return "models", route.removeprefix("/models/")
        return None, None

    def _check_auth(self, h: _Handler) -> None:
        auth = h.headers.get("Authorization", "")
        if self.require_auth and not (auth.startswith("Bearer ") and len(auth) > len("Bearer ")):
            raise OpenAIHTTPError(
                401, "You didn't provide an API key.", "invalid_request_error", "invalid_api_key"
            )

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _next_fault(self, endpoint: str) -> Fault | None:
        with self._lock:
            queue = self._faults[endpoint]
            return queue.popleft() if queue else None

    def _apply_fault(self, h: _Handler, fault: Fault, body: Any) -> bool:
        """Apply a fault; True when it fully answered (or dropped) the request."""
        self._sleep(fault.delay_s)
        if fault.disconnect:
            h.abort()
            return True
        if fault.status is None:
            return False
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if fault.retry_after_ms is not None:
            headers["retry-after-ms"] = fault.retry_after_ms
        h.send_json(fault.status, _fault_error(fault).body(), headers)
        return True

    # ---------------------------------------------------------------- endpoints

    def _models(self, model_id: str | None) -> dict[str, Any]:
        models = [
            {"id": name, "object": "model", "created": 1700000000, "owned_by": "openai"}
            for name in (*MODEL_DIMENSIONS, *CHAT_MODELS)
        ]
        if model_id is None:
            return {"object": "list", "data": models}
        for model in models:
            if model["id"] == model_id:
                return model
        raise OpenAIHTTPError(
            404,
            f"The model '{model_id}' does not exist",
            "invalid_request_error",
            "model_not_found",
        )

    def _embedding_inputs(self, body: dict[str, Any]) -> list[str]:
        raw = body.get("input")
        inputs = [raw] if isinstance(raw, str) else raw
        if not isinstance(inputs, list) or not all(isinstance(t, str) for t in inputs):
            raise OpenAIHTTPError(
                400,
                "'input' must be a string or a list of strings "
                "(token arrays are not supported by the fake).",
                "invalid_request_error",
            )
        if not inputs or len(inputs) > self.max_batch:
            raise OpenAIHTTPError(
                400, f"'input' must hold 1 to {self.max_batch} items.", "invalid_request_error"
            )
        if self.reject_empty_input and any(t == "" for t in inputs):
            raise OpenAIHTTPError(400, "'$.input' is invalid.", "invalid_request_error")
        return inputs

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise OpenAIHTTPError(
                400, "you must provide a model parameter", "invalid_request_error"
            )
        inputs = self._embedding_inputs(body)
        dims = body.get("dimensions")
        if dims is not None and (not isinstance(dims, int) or dims < 1):
            raise OpenAIHTTPError(
                400, "'dimensions' must be a positive integer.", "invalid_request_error"
            )
        fmt = body.get("encoding_format") or "float"
        if fmt not in ("float", "base64"):
            raise OpenAIHTTPError(400, f"Invalid encoding_format {fmt!r}.", "invalid_request_error")
        dim = dims or self.dim_for(model)
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": _encode(self.embedding_fn(t, dim), fmt),
            }
            for i, t in enumerate(inputs)
        ]
        tokens = _count_tokens(inputs)
        return {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    def _chat_reply(self, body: dict[str, Any]) -> str:
        if (
            not body.get("model")
            or not isinstance(body.get("messages"), list)
            or not body["messages"]
        ):
            raise OpenAIHTTPError(
                400, "'model' and a non-empty 'messages' are required.", "invalid_request_error"
            )
        _validate_chat_request(body)
        with self._lock:
            queued = self._replies.popleft() if self._replies else None
        return queued if queued is not None else self.chat_responder(body)

    def _chat_usage(self, body: dict[str, Any], reply: str) -> dict[str, int]:
        prompt = _count_tokens([_message_text(m) for m in body["messages"]])
        completion = len(tokenize(reply))
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _completion_id(self) -> str:
        with self._lock:
            return f"chatcmpl-fake{next(self._ids)}"

    def _chat(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self._chat_reply(body)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply,
            "refusal": None,
            "annotations": [],
        }
        return {
            "id": self._completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            ],
            "usage": self._chat_usage(body, reply),
        }

    def _stream_chat(self, h: _Handler, body: dict[str, Any], cut_after: int | None) -> None:
        reply = self._chat_reply(body)
        h.start_sse()
        for sent, chunk in enumerate(self._chunks(body, reply)):
            if cut_after is not None and sent >= cut_after:
                h.abort()
                return
            h.send_sse(json.dumps(chunk))
        if cut_after is not None:
            h.abort()
            return
        h.send_sse("[DONE]")
        h.end_chunked()

    def _chunks(self, body: dict[str, Any], reply: str) -> Iterator[dict[str, Any]]:
        """The ``chat.completion.chunk`` objects of a streamed answer, in order."""
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": self._completion_id(),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fp_fake",
        }
        if include_usage:
            base["usage"] = None
        deltas: list[dict[str, Any]] = [{"role": "assistant", "content": "", "refusal": None}]
        deltas += [{"content": piece} for piece in _PIECE.findall(reply)]
        for delta in deltas:
            yield {**base, "choices": [_choice(delta, None)]}
        yield {**base, "choices": [_choice({}, "stop")]}
        if include_usage:
            yield {**base, "choices": [], "usage": self._chat_usage(body, reply)}


def _validate_chat_request(body: dict[str, Any]) -> None:
    """Reject what OpenAI rejects: unknown roles, missing content, out-of-range sampling."""
    for n, message in enumerate(body["messages"]):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in MESSAGE_ROLES:
            raise OpenAIHTTPError(
                400,
                f"{role!r} is not one of {list(MESSAGE_ROLES)} - 'messages.{n}.role'",
                "invalid_request_error",
            )
        content = message.get("content")
        if role in ("system", "developer", "user") and not isinstance(content, str | list):
            raise OpenAIHTTPError(
                400,
                f"Missing required parameter: 'messages[{n}].content'.",
                "invalid_request_error",
                "missing_required_parameter",
            )
    temperature = body.get("temperature")
    if temperature is not None and not (
        isinstance(temperature, int | float) and 0 <= temperature <= 2
    ):
        raise OpenAIHTTPError(
            400,
            f"Invalid 'temperature': expected a value between 0 and 2, but got {temperature}.",
            "invalid_request_error",
            "invalid_value",
        )
    for limit in ("max_tokens", "max_completion_tokens"):
        value = body.get(limit)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise OpenAIHTTPError(
                400,
                f"Invalid '{limit}': integer below minimum value. Expected a value >= 1, "
                f"but got {value} instead.",
                "invalid_request_error",
                "integer_below_min_value",
            )


def _choice(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


def _encode(vec: list[float], fmt: str) -> list[float] | str:
    if fmt == "base64":
        return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii")
    return vec


def _fault_error(fault: Fault) -> OpenAIHTTPError:
    status = fault.status or 500
    if status == 429:
        return OpenAIHTTPError(
            status, fault.message or "Rate limit reached (fake).", "requests", "rate_limit_exceeded"
        )
    if status >= 500:
        return OpenAIHTTPError(
            status, fault.message or "The server had an error (fake).", "server_error"
        )
    return OpenAIHTTPError(
        status, fault.message or "Request rejected (fake).", "invalid_request_error"
    )
