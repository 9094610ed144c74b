package dev.k8splatform.springapi.web;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * RFC 9457 problem details written by servlet filters, which run before Spring MVC's exception
 * handling. Types are stable URIs under /problems/ that clients can switch on.
 */
public final class Problems {

  public static final String BASE = "https://k8s-platform.dev/problems/";

  private Problems() {}

  public static URI type(String slug) {
    return URI.create(BASE + slug);
  }

  static void write(HttpServletResponse response, int status, String slug, String title, String detail, String instance)
      throws IOException {
    String json = "{\"type\":" + quote(BASE + slug)
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
