package dev.k8splatform.springapi.web;

import dev.k8splatform.springapi.config.ApiProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses bodies over app.max-request-bytes with 413: at once when Content-Length says so, and
 * while reading when a chunked body grows past the limit (the read then fails with
 * {@link PayloadTooLargeException}, which ProblemHandlers turns into 413).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class BodySizeFilter extends OncePerRequestFilter {

  private final ApiProperties properties;

  public BodySizeFilter(ApiProperties properties) {
    this.properties = properties;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    long limit = properties.maxRequestBytes();
    if (request.getContentLengthLong() > limit) {
      Problems.write(request, response, 413, "payload-too-large", "Request body too large",
          "The body has " + request.getContentLengthLong() + " bytes; at most " + limit + " are accepted.");
      return;
    }
    chain.doFilter(new Limited(request, limit), response);
  }

  /** Thrown when a body without Content-Length grows past the limit. */
  public static class PayloadTooLargeException extends IOException {
    public PayloadTooLargeException(long limit) {
      super("Request body exceeds " + limit + " bytes");
    }
  }

  private static final class Limited extends HttpServletRequestWrapper {
    private final long limit;
    private ServletInputStream stream;

    Limited(HttpServletRequest request, long limit) {
      super(request);
      this.limit = limit;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        ServletInputStream inner = super.getInputStream();
        stream = new ServletInputStream() {
          private long count;

          @Override
          public int read() throws IOException {
            int b = inner.read();
            if (b >= 0 && ++count > limit) throw new PayloadTooLargeException(limit);
            return b;
          }

          @Override
          public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = inner.read(buffer, offset, length);
            if (n > 0 && (count += n) > limit) throw new PayloadTooLargeException(limit);
            return n;
          }

          @Override public boolean isFinished() { return inner.isFinished(); }
          @Override public boolean isReady() { return inner.isReady(); }
          @Override public void setReadListener(ReadListener listener) { inner.setReadListener(listener); }
        };
      }
      return stream;
    }
  }
}
