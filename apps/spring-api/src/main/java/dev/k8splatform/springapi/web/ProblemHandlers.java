package dev.k8splatform.springapi.web;

import dev.k8splatform.springapi.articles.ArticleNotFoundException;
import dev.k8splatform.springapi.articles.DuplicateTitleException;
import jakarta.validation.ConstraintViolationException;
import java.util.Comparator;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error the API returns is an RFC 9457 problem detail with a stable type URI. Spring's
 * base class covers the framework's own errors; these handlers add the API's.
 */
@RestControllerAdvice
public class ProblemHandlers extends ResponseEntityExceptionHandler {

  /** One invalid field or parameter, in a stable JSON shape. */
  public record FieldProblem(String field, String message) {}

  @ExceptionHandler(ArticleNotFoundException.class)
  ProblemDetail notFound(ArticleNotFoundException e) {
    return problem(HttpStatus.NOT_FOUND, "not-found", "Article not found", e.getMessage());
  }

  @ExceptionHandler(DuplicateTitleException.class)
  ProblemDetail duplicate(DuplicateTitleException e) {
    return problem(HttpStatus.CONFLICT, "duplicate-title", "Title already taken", e.getMessage());
  }

  @ExceptionHandler(MethodArgumentTypeMismatchException.class)
  ProblemDetail typeMismatch(MethodArgumentTypeMismatchException e) {
    return problem(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter",
        "Parameter '" + e.getName() + "' must be a " + simpleType(e.getRequiredType()) + ".");
  }

  @ExceptionHandler(ConstraintViolationException.class)
  ProblemDetail constraint(ConstraintViolationException e) {
    ProblemDetail p = problem(HttpStatus.BAD_REQUEST, "invalid-parameter", "Invalid parameter", "Request parameters are invalid.");
    p.setProperty("errors", e.getConstraintViolations().stream()
        .map(v -> new FieldProblem(lastNode(v.getPropertyPath().toString()), v.getMessage()))
        .toList());
    return p;
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
    return ResponseEntity.badRequest().body(p);
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
    return ResponseEntity.badRequest().body(p);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    Throwable cause = e;
    while (cause != null) {
      if (cause instanceof BodySizeFilter.PayloadTooLargeException) {
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(
            problem(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Request body too large", cause.getMessage()));
      }
      cause = cause.getCause();
    }
    // Never echo the parser's message: it can quote the body back.
    return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "malformed-body", "Malformed request body",
        "The body is not a JSON object with the expected field types."));
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
