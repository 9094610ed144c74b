package dev.k8splatform.springapi.web;

import dev.k8splatform.springapi.config.ApiProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Write operations on /api/ need the configured API key in the X-API-Key header: 401 without
 * one, 403 with a wrong one. While no key is configured every write is refused (403), so a
 * forgotten secret never opens the API. Keys are compared in constant time and never logged.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter extends OncePerRequestFilter {

  public static final String HEADER = "X-API-Key";
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private final ApiProperties properties;

  public ApiKeyFilter(ApiProperties properties) {
    this.properties = properties;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return !request.getRequestURI().startsWith("/api/") || !WRITES.contains(request.getMethod());
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String presented = request.getHeader(HEADER);
    String uri = request.getRequestURI();
    if (presented == null || presented.isEmpty()) {
      response.setHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"");
      Problems.write(response, 401, "api-key-missing", "API key required",
          "Write operations need the " + HEADER + " header.", uri);
      return;
    }
    if (!properties.hasApiKey()) {
      Problems.write(response, 403, "api-key-not-configured", "Writes disabled",
          "The server has no API key configured, so it accepts no write operation.", uri);
      return;
    }
    boolean matches = MessageDigest.isEqual(
        presented.getBytes(StandardCharsets.UTF_8), properties.apiKey().getBytes(StandardCharsets.UTF_8));
    if (!matches) {
      Problems.write(response, 403, "api-key-invalid", "API key rejected",
          "The " + HEADER + " header does not match the configured key.", uri);
      return;
    }
    chain.doFilter(request, response);
  }
}
