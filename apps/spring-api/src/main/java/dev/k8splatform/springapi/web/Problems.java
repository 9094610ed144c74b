package dev.k8splatform.springapi.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

/**
 * RFC 9457 problem details written by servlet filters, which run before Spring MVC's exception
 * handling. Types are stable URIs under /problems/ that clients can switch on. Every problem the
 * API answers is logged here once.
 */
public final class Problems {

  public static final String BASE = "https://k8s-platform.dev/problems/";

  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  private Problems() {}

  public static URI type(String slug) {
    return URI.create(BASE + slug);
  }

  /** The type of a problem the framework raised: named after its status, e.g. .../method-not-allowed. */
  static URI typeFor(int status) {
    HttpStatus known = HttpStatus.resolve(status);
    String name = known == null ? "status-" + status : known.name().toLowerCase(Locale.ROOT).replace('_', '-');
    return type(name);
  }

  /**
   * One line per problem. A client's mistake (4xx) is routine: INFO and no stack trace, so a
   * noisy or hostile client cannot fill the error log. A server fault (5xx) is ERROR, with the
   * stack trace when there is an exception. Neither the body nor any header is logged.
   */
  static void log(String method, String path, int status, String type, String detail, Throwable fault) {
    String slug = type != null && type.startsWith(BASE) ? type.substring(BASE.length()) : type;
    String request = method == null ? path : method + " " + path;
    if (status >= 500) {
      log.error("{} {} for {}: {}", status, slug, request, detail, fault);
    } else {
      log.info("{} {} for {}: {}", status, slug, request, detail);
    }
  }

  /** Logs the problem and writes it as the response; its instance is the request's path. */
  static void write(HttpServletRequest request, HttpServletResponse response, int status, String slug, String title,
      String detail) throws IOException {
    log(request.getMethod(), request.getRequestURI(), status, BASE + slug, detail, null);
    render(response, status, type(slug), title, detail, request.getRequestURI());
  }

  /** As above, for a caller that has the path but not the request: the log line names no method. */
  static void write(HttpServletResponse response, int status, String slug, String title, String detail, String instance)
      throws IOException {
    log(null, instance, status, BASE + slug, detail, null);
    render(response, status, type(slug), title, detail, instance);
  }

  /** Writes the problem as the response, without logging it. */
  static void render(HttpServletResponse response, int status, URI type, String title, String detail, String instance)
      throws IOException {
    String json = "{\"type\":" + quote(type.toString())
        + ",\"title\":" + quote(title)
        + ",\"status\":" + status
        + ",\"detail\":" + quote(detail)
        + ",\"instance\":" + quote(instance) + "}";
    response.setStatus(status);
    response.setContentType("application/problem+json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response.getWriter().write(json);
  }

  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }
}
