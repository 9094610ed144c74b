package dev.k8splatform.springapi.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a query string Tomcat cannot parse (a parameter without a name, invalid
 * percent-encoding, too many parameters) with a 400 malformed-query problem, on every path.
 * Tomcat parses lazily, when a parameter is first read, so without this the same query was a
 * 400 in Spring Boot's own JSON, logged at ERROR with a stack trace, where a handler reads
 * parameters, and silently ignored where none does. Tomcat's message quotes the query string,
 * so it is not echoed.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class QueryStringFilter extends OncePerRequestFilter {

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return request.getQueryString() == null;
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      request.getParameterMap();
    } catch (InvalidParameterException e) {
      int status = e.getErrorCode() >= 400 && e.getErrorCode() < 500 ? e.getErrorCode() : 400;
      Problems.write(request, response, status, "malformed-query", "Malformed query string",
          "The query string cannot be parsed: each parameter needs a name, percent-encoding must be valid "
              + "UTF-8, and the number of parameters is limited.");
      return;
    }
    chain.doFilter(request, response);
  }
}
