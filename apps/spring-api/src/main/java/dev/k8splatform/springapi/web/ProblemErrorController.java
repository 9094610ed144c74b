package dev.k8splatform.springapi.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the servlet container's error page would show: an error that never reached Spring MVC's
 * handlers (an exception thrown by a filter, or a request Tomcat itself refused, such as TRACE).
 * It replaces Spring Boot's BasicErrorController, whose JSON is not a problem detail.
 */
@Hidden
@RestController
public class ProblemErrorController implements ErrorController {

  @RequestMapping("${server.error.path:/error}")
  void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    // Without an error attribute this is a request for /error itself, which does not exist.
    HttpStatus status = code instanceof Integer c ? HttpStatus.resolve(c) : HttpStatus.NOT_FOUND;
    if (status == null || !status.isError()) status = HttpStatus.INTERNAL_SERVER_ERROR;
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    String path = uri instanceof String u ? u : request.getRequestURI();
    String detail = status.is5xxServerError()
        ? "The server failed to process the request."
        : "The request was refused before it reached the API: " + status.getReasonPhrase() + ".";
    Throwable fault = status.is5xxServerError() ? (Throwable) request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) : null;
    // The error dispatch itself is a GET; the client's method is kept in an attribute.
    Object method = request.getAttribute(RequestDispatcher.ERROR_METHOD);
    URI type = Problems.typeFor(status.value());
    Problems.log(method instanceof String m ? m : request.getMethod(), path, status.value(), type.toString(), detail, fault);
    if (!response.isCommitted()) {
      response.resetBuffer();
      Problems.render(response, status.value(), type, status.getReasonPhrase(), detail, path);
    }
  }
}
