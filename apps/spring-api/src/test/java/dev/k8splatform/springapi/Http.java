package dev.k8splatform.springapi;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small real HTTP client for tests: requests go over loopback to the running server. */
public final class Http {
  public static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String base;

  public Http(int port) {
    this.base = "http://127.0.0.1:" + port;
  }

  /** Status, headers and parsed JSON body (null when the body is empty). */
  public record Reply(int status, HttpResponse<String> raw, JsonNode json) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), null);
  }

  public Reply send(String method, String path, String body, String apiKey) {
    return send(method, path, body, apiKey, "Content-Type", "application/json");
  }

  /** A request with the given headers (name, value, name, value...) and no default Content-Type. */
  public Reply send(String method, String path, String body, String apiKey, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) b.headers(headers);
    if (apiKey != null) b.header("X-API-Key", apiKey);
    return send(b, body);
  }

  /**
   * Sends bytes as they are, for requests java.net.http refuses to build (a malformed query
   * string, a chunked body), and returns the whole response as text. The request should say
   * {@code Connection: close}.
   */
  public static String raw(int port, String request) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.UTF_8));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Reply send(HttpRequest.Builder builder, String ignored) {
    try {
      HttpResponse<String> r = CLIENT.send(builder.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      boolean isJson = r.headers().firstValue("Content-Type").orElse("").contains("json");
      JsonNode json = isJson && !r.body().isEmpty() ? JSON.readTree(r.body()) : null;
      return new Reply(r.statusCode(), r, json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
