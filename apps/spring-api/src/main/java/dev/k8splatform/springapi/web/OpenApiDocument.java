package dev.k8splatform.springapi.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem.HttpMethod;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import jakarta.validation.constraints.NotBlank;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.PropertyCustomizer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI document (/v3/api-docs) beyond what springdoc infers from the controllers: the
 * statuses that every operation shares because filters and error handlers produce them, the
 * API key scheme on every write, the problem+json schema of every error, and the JSON Schema
 * forms of the request constraints that springdoc does not translate exactly.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiDocument {

  static final String API_KEY_SCHEME = "ApiKey";
  static final String PROBLEM = "Problem";
  static final String FIELD_PROBLEM = "FieldProblem";
  static final String PROBLEM_JSON = "application/problem+json";

  /** Methods ApiKeyFilter lets through without a key; every other method is a write. */
  static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

  /**
   * A JSON Schema character class of what String.isBlank (and so {@code @NotBlank}) and
   * String.strip treat as whitespace, negated: a text matches when it has one other character.
   * Built from Character.isWhitespace so that it cannot drift from the validator.
   */
  static final String NOT_BLANK_PATTERN = notWhitespaceClass();

  @Bean
  OpenAPI openApiInfo(@Value("${spring.application.version:unpackaged}") String version) {
    return new OpenAPI()
        .info(new Info()
            .title("spring-api")
            .version(version)
            .description("""
                A catalogue of articles. Every write (any method but GET, HEAD and OPTIONS, on \
                any path) needs the X-API-Key header: 401 without it, 403 with a wrong key or \
                while the server has no key configured. Any request whose body is larger than \
                app.max-request-bytes is refused with 413. Every error is an RFC 9457 problem \
                (application/problem+json) whose type is a stable URI under %s."""
                .formatted(Problems.BASE)))
        .components(new Components().addSecuritySchemes(API_KEY_SCHEME, new SecurityScheme()
            .type(SecurityScheme.Type.APIKEY)
            .in(SecurityScheme.In.HEADER)
            .name(ApiKeyFilter.HEADER)
            .description("The key configured as app.api-key, compared in constant time")));
  }

  @Bean
  OpenApiCustomizer sharedStatusesAndProblems() {
    return openApi -> {
      openApi.getComponents()
          .addSchemas(PROBLEM, problemSchema())
          .addSchemas(FIELD_PROBLEM, object(Map.of("field", string(), "message", string()), List.of("field", "message")));
      openApi.getPaths().values().forEach(item -> item.readOperationsMap().forEach(OpenApiDocument::addSharedStatuses));
    };
  }

  private static void addSharedStatuses(HttpMethod method, Operation operation) {
    ApiResponses responses = operation.getResponses();
    boolean hasBody = operation.getRequestBody() != null;
    responses.putIfAbsent("400", new ApiResponse().description(hasBody
        ? "The body is malformed (malformed-body) or has invalid fields (validation), or a parameter "
            + "or the query string is invalid (invalid-parameter, malformed-query)"
        : "A parameter or the query string is invalid (invalid-parameter, malformed-query)"));
    if (!READS.contains(method)) {
      operation.addSecurityItem(new SecurityRequirement().addList(API_KEY_SCHEME));
      responses.putIfAbsent("401", new ApiResponse().description("No X-API-Key header (api-key-missing)"));
      responses.putIfAbsent("403", new ApiResponse().description(
          "The key is wrong (api-key-invalid), or the server has none configured (api-key-not-configured)"));
    }
    responses.putIfAbsent("406", new ApiResponse().description("The Accept header excludes JSON (not-acceptable)"));
    if (hasBody) {
      responses.putIfAbsent("413", new ApiResponse().description(
          "The body is larger than app.max-request-bytes (payload-too-large)"));
      responses.putIfAbsent("415", new ApiResponse().description(
          "The Content-Type is missing or not application/json (unsupported-media-type)"));
    }
    // Every error status is a problem; order them by code so the document reads in order.
    Map<String, ApiResponse> sorted = new TreeMap<>(responses);
    responses.clear();
    sorted.forEach((code, response) -> {
      if (code.startsWith("4") || code.startsWith("5")) {
        response.setContent(new Content().addMediaType(PROBLEM_JSON,
            new MediaType().schema(new JsonSchema().$ref("#/components/schemas/" + PROBLEM))));
      }
      responses.addApiResponse(code, response);
    });
  }

  /** Text constraints in JSON Schema terms, counted and matched as the validators do. */
  @Bean
  PropertyCustomizer textConstraints() {
    return (schema, type) -> {
      if (type.getCtxAnnotations() == null) return schema;
      for (var annotation : type.getCtxAnnotations()) {
        if (annotation instanceof MaxCodePoints max) schema.setMaxLength(max.value());
        if (annotation instanceof NotBlank) {
          schema.setMinLength(1);
          schema.setPattern(NOT_BLANK_PATTERN);
        }
      }
      return schema;
    };
  }

  private static Schema<?> problemSchema() {
    Map<String, Schema<?>> properties = new LinkedHashMap<>();
    properties.put("type", string().format("uri").description("Stable URI of the problem type, under " + Problems.BASE));
    properties.put("title", string());
    properties.put("status", new JsonSchema().typesItem("integer").minimum(java.math.BigDecimal.valueOf(400))
        .maximum(java.math.BigDecimal.valueOf(599)));
    properties.put("detail", string());
    properties.put("instance", string().description("The request's path"));
    properties.put("errors", new JsonSchema().typesItem("array")
        .items(new JsonSchema().$ref("#/components/schemas/" + FIELD_PROBLEM))
        .description("Each invalid field or parameter (validation, invalid-parameter)"));
    return object(properties, List.of("type", "title", "status", "detail", "instance"))
        .description("An RFC 9457 problem detail");
  }

  private static Schema<?> object(Map<String, Schema<?>> properties, List<String> required) {
    Schema<?> schema = new JsonSchema().typesItem("object").required(required);
    properties.forEach(schema::addProperty);
    return schema;
  }

  private static Schema<?> string() {
    return new JsonSchema().typesItem("string");
  }

  private static String notWhitespaceClass() {
    StringBuilder out = new StringBuilder("[^");
    int start = -1;
    for (int c = 0; c <= Character.MAX_VALUE + 1; c++) {
      boolean white = c <= Character.MAX_VALUE && Character.isWhitespace(c);
      if (white && start < 0) start = c;
      if (!white && start >= 0) {
        out.append(escape(start));
        if (c - 1 > start) out.append('-').append(escape(c - 1));
        start = -1;
      }
    }
    return out.append(']').toString();
  }

  private static String escape(int c) {
    return String.format("\\u%04x", c);
  }
}
