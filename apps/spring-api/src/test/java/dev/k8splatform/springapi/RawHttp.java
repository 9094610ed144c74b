package dev.k8splatform.springapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 request over a plain socket, with the request-target sent byte for byte as given.
 * HTTP client libraries normalize or refuse odd paths ("//", "..", "%2F"); an attacker's client
 * does not, so tests of path handling must not either.
 */
final class RawHttp {
  private RawHttp() {}

  /** The response's status code and whole text. */
  record Response(int status, String text) {}

  static Response send(int port, String method, String target, String body, String apiKey) {
    StringBuilder request = new StringBuilder()
        .append(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1:").append(port).append("\r\n")
        .append("Connection: close\r\n");
    if (apiKey != null) request.append("X-API-Key: ").append(apiKey).append("\r\n");
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (body != null) request.append("Content-Type: application/json\r\n");
    request.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.write(payload);
      out.flush();
      InputStream in = socket.getInputStream();
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!text.startsWith("HTTP/1.1 ")) throw new IllegalStateException("not an HTTP response: " + text);
      return new Response(Integer.parseInt(text.substring(9, 12)), text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
