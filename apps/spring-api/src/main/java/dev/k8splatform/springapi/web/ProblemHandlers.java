package dev.k8splatform.springapi.web;

import dev.k8splatform.springapi.articles.ArticleNotFoundException;
import dev.k8splatform.springapi.articles.DuplicateTitleException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.ConstraintViolationException;
import java.util.Comparator;
import java.util.List;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error the API returns is an RFC 9457 problem detail with a stable type URI. Spring's
 * base class covers the framework's own errors (405, 406, 415...), which get a type named after
 * their status; these handlers add the API's. All of them end in handleExceptionInternal, which
 * logs each one once: a client's mistake at INFO on one line, a server fault at ERROR with its
 * stack trace.
 */
@RestControllerAdvice
public class ProblemHandlers extends ResponseEntityExceptionHandler {

  /** One invalid field or parameter, in a stable JSON shape. */
  public record FieldProblem(String field, String message) {}

  @ExceptionHandler(ArticleNotFoundException.class)
  ResponseEntity<Object> notFound(ArticleNotFoundException e, WebRequest request) {
    return respond(e, problem(HttpStatus.NOT_FOUND, "not-found", "Article not found", e.getMessage()), request);
  }

  @ExceptionHandler(DuplicateTitleException.class)
  ResponseEntity<Object> duplicate(DuplicateTitleException e, WebRequest request) {
    return respond(e, problem(HttpStatus.CONFLICT, "duplicate-title", "Title already taken", e.getMessage()), request);
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ResponseEntity<Object> typeMismatch(MethodArgumentTypeMismatchException e, WebRequest request) {
    return respond(e, problem(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
        "Parameter '" + e.getName() + "' must be a " + simpleType(e.getRequiredType()) + "."), request);
  }

  @ExceptionHandler(ConstraintViolationException.class)
  ResponseEntity<Object> constraint(ConstraintViolationException e, WebRequest request) {
    ProblemDetail p = problem(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter", "Request parameters are invalid.");
    p.setProperty("errors", e.getConstraintViolations().stream()
        .map(v -> new FieldProblem(lastNode(v.getPropertyPath().toString()), v.getMessage()))
        .toList());
    return respond(e, p, request);
  }

  /** Anything else is the server's fault: a 500 problem, never the container's error page. */
  @ExceptionHandler(Exception.class)
  ResponseEntity<Object> unexpected(Exception e, WebRequest request) {
    return respond(e, problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error",
        "The server failed to process the request."), request);
  }

  /** As the base class, without its own WARN line: the problem is logged like every other. */
  @Override
  protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(
      HttpRequestMethodNotSupportedException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    return handleExceptionInternal(e, null, headers, status, request);
  }

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ProblemDetail p = problem(HttpStatus.BAD_REQUEST, "validation", "Invalid article", "The article has invalid fields.");
    List<FieldProblem> errors = e.getBindingResult().getFieldErrors().stream()
        .map(f -> new FieldProblem(f.getField(), String.valueOf(f.getDefaultMessage())))
        .sorted(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message))
        .toList();
    p.setProperty("errors", errors);
    return respond(e, p, request);
  }

  @Override
  protected ResponseEntity<Object> handleHandlerMethodValidationException(
      HandlerMethodValidationException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ProblemDetail p = problem(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter", "Request parameters are invalid.");
    p.setProperty("errors", e.getParameterValidationResults().stream()
        .flatMap(r -> r.getResolvableErrors().stream().map(err -> new FieldProblem(
            String.valueOf(r.getMethodParameter().getParameterName()),
            String.valueOf(err.getDefaultMessage()))))
        .toList());
    return respond(e, p, request);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    Throwable cause = e;
    while (cause != null) {
      if (cause instanceof BodySizeFilter.PayloadTooLargeException) {
        return respond(e, problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Request body too large",
            cause.getMessage()), request);
      }
      cause = cause.getCause();
    }
    // Never echo the parser's message: it can quote the body back.
    return respond(e, problem(HttpStatus.BAD_REQUEST, "malformed-body", "Malformed request body",
        "The body is not a JSON object with the expected field types."), request);
  }

  /**
   * Where every problem passes, the framework's own and the API's: gives the framework's a type
   * named after their status (Spring leaves them about:blank) and logs the outcome.
   */
  @Override
  protected ResponseEntity<Object> handleExceptionInternal(
      Exception e, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    // The base class resolves a framework error's body only after this point; resolve it here.
    if (body == null && e instanceof ErrorResponse error) {
      body = error.updateAndGetBody(getMessageSource(), LocaleContextHolder.getLocale());
    }
    // Spring leaves a framework error's type unset (meaning about:blank).
    if (body instanceof ProblemDetail p && (p.getType() == null || "about:blank".equals(p.getType().toString()))) {
      p.setType(Problems.typeFor(p.getStatus()));
    }
    ResponseEntity<Object> response = super.handleExceptionInternal(e, body, headers, status, request);
    if (request instanceof NativeWebRequest n && n.getNativeRequest() instanceof HttpServletRequest http) {
      ProblemDetail p = body instanceof ProblemDetail d ? d : null;
      Problems.log(http.getMethod(), http.getRequestURI(), status.value(),
          p == null ? null : String.valueOf(p.getType()), p == null ? null : p.getDetail(),
          status.is5xxServerError() ? e : null);
    }
    return response;
  }

  private ResponseEntity<Object> respond(Exception e, ProblemDetail p, WebRequest request) {
    return handleExceptionInternal(e, p, new HttpHeaders(), HttpStatusCode.valueOf(p.getStatus()), request);
  }

  private static ProblemDetail problem(HttpStatus status, String slug, String title, String detail) {
    ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
    p.setType(Problems.type(slug));
    p.setTitle(title);
    return p;
  }

  private static String simpleType(Class<?> type) {
    if (type == null) return "value";
    if (type == long.class || type == Long.class || type == int.class || type == Integer.class) return "whole number";
    return type.getSimpleName();
  }

  private static String lastNode(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? path : path.substring(dot + 1);
  }
}
