package dev.k8splatform.springapi.articles;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * CRUD over articles. Writes need the API key (see ApiKeyFilter); reads are open. The statuses
 * every operation shares (400 and 406; 401 and 403 on writes; 413 and 415 with a body) are added
 * to the OpenAPI document by OpenApiDocument; those of one operation are declared here.
 */
@RestController
@Validated
@RequestMapping(path = "/api/articles", produces = MediaType.APPLICATION_JSON_VALUE)
public class ArticleController {

  static final int MAX_SIZE = 100;
  /** The last page whose offset (page × size) fits the int that Spring Data JPA hands the database. */
  static final int MAX_PAGE = Integer.MAX_VALUE / MAX_SIZE;

  private final ArticleService service;

  public ArticleController(ArticleService service) {
    this.service = service;
  }

  @GetMapping
  @Operation(summary = "One page of articles, sorted by id")
  @ApiResponse(responseCode = "200", description = "The page (empty past the last one)")
  public ArticlePage list(
      @Parameter(description = "Page number from 0; empty means 0", allowEmptyValue = true)
          @RequestParam(defaultValue = "0") @Min(0) @Max(MAX_PAGE) int page,
      @Parameter(description = "Articles per page; empty means 20", allowEmptyValue = true)
          @RequestParam(defaultValue = "20") @Min(1) @Max(MAX_SIZE) int size) {
    return ArticlePage.of(service.list(page, size));
  }

  @GetMapping("/{id}")
  @Operation(summary = "One article")
  @ApiResponse(responseCode = "200", description = "The article")
  @ApiResponse(responseCode = "404", description = "No article has this id")
  public ArticleResponse get(@PathVariable long id) {
    return ArticleResponse.of(service.get(id));
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "Create an article")
  @ApiResponse(responseCode = "201", description = "Created", headers = @Header(name = "Location",
      description = "The new article's path", required = true, schema = @Schema(type = "string")))
  @ApiResponse(responseCode = "409", description = "Another article has this title, regardless of case")
  public ResponseEntity<ArticleResponse> create(@Valid @RequestBody ArticleRequest request) {
    ArticleResponse created = ArticleResponse.of(service.create(request));
    return ResponseEntity.created(URI.create("/api/articles/" + created.id())).body(created);
  }

  @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
  @Operation(summary = "Replace an article")
  @ApiResponse(responseCode = "200", description = "The article as replaced")
  @ApiResponse(responseCode = "404", description = "No article has this id")
  @ApiResponse(responseCode = "409", description = "Another article has this title, regardless of case")
  public ArticleResponse replace(@PathVariable long id, @Valid @RequestBody ArticleRequest request) {
    return ArticleResponse.of(service.replace(id, request));
  }

  @DeleteMapping("/{id}")
  @Operation(summary = "Delete an article")
  @ApiResponse(responseCode = "204", description = "Deleted")
  @ApiResponse(responseCode = "404", description = "No article has this id")
  public ResponseEntity<Void> delete(@PathVariable long id) {
    service.delete(id);
    return ResponseEntity.noContent().build();
  }
}
