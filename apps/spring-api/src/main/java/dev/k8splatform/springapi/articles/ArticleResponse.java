package dev.k8splatform.springapi.articles;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import java.time.Instant;

/** An article as the API returns it; every field is always present and never null. */
public record ArticleResponse(
    @Schema(requiredMode = RequiredMode.REQUIRED) long id,
    @Schema(requiredMode = RequiredMode.REQUIRED) String title,
    @Schema(requiredMode = RequiredMode.REQUIRED) String body,
    @Schema(requiredMode = RequiredMode.REQUIRED) String author,
    @Schema(requiredMode = RequiredMode.REQUIRED) Instant createdAt,
    @Schema(requiredMode = RequiredMode.REQUIRED) Instant updatedAt,
    @Schema(requiredMode = RequiredMode.REQUIRED, description = "Increases by one with each replacement") long version) {

  static ArticleResponse of(Article a) {
    return new ArticleResponse(
        a.getId(), a.getTitle(), a.getBody(), a.getAuthor(), a.getCreatedAt(), a.getUpdatedAt(), a.getVersion());
  }
}
