package dev.k8splatform.springapi.articles;

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

/** CRUD over articles. Writes need the API key (see ApiKeyFilter); reads are open. */
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
  public ArticlePage list(
      @RequestParam(defaultValue = "0") @Min(0) @Max(MAX_PAGE) int page,
      @RequestParam(defaultValue = "20") @Min(1) @Max(MAX_SIZE) int size) {
    return ArticlePage.of(service.list(page, size));
  }

  @GetMapping("/{id}")
  public ArticleResponse get(@PathVariable long id) {
    return ArticleResponse.of(service.get(id));
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<ArticleResponse> create(@Valid @RequestBody ArticleRequest request) {
    ArticleResponse created = ArticleResponse.of(service.create(request));
    return ResponseEntity.created(URI.create("/api/articles/" + created.id())).body(created);
  }

  @PutMapping(path = "/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
  public ArticleResponse replace(@PathVariable long id, @Valid @RequestBody ArticleRequest request) {
    return ArticleResponse.of(service.replace(id, request));
  }

  @DeleteMapping("/{id}")
  public ResponseEntity<Void> delete(@PathVariable long id) {
    service.delete(id);
    return ResponseEntity.noContent().build();
  }
}
