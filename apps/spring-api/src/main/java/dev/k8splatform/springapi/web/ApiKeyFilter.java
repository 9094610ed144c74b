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
 * Every request whose method is not a read (GET, HEAD, OPTIONS) needs the configured API key in
 * the X-API-Key header, whatever its path: 401 without one, 403 with a wrong one. While no key
 * is configured every write is refused (403), so a forgotten secret never opens the API. Keys are
 * compared in constant time and never logged.
 *
 * <p>The decision deliberately ignores the path. Deciding on the raw request URI while Spring
 * routes on the decoded, normalized path let other spellings of /api/articles (a percent-encoded
 * letter, a ";" path parameter) reach the controller without a key. Gating on the method alone
 * leaves no spelling to get wrong, and a write route added later is protected without a change
 * here. This filter sits on the API port only; the management port serves reads.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class ApiKeyFilter extends OncePerRequestFilter {

  public static final String HEADER = "X-API-Key";
  /**
   * The only methods served without a key. Compared case-sensitively, as HTTP methods are: "get"
   * is not GET, so an odd spelling needs the key too (fail closed).
   */
  static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

  private final ApiProperties properties;

  public ApiKeyFilter(ApiProperties properties) {
    this.properties = properties;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return READS.contains(request.getMethod());
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
