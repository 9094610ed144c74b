package dev.k8splatform.springapi.articles;

import java.time.Instant;

/** An article as the API returns it. */
public record ArticleResponse(
    long id, String title, String body, String author, Instant createdAt, Instant updatedAt, long version) {

  static ArticleResponse of(Article a) {
    return new ArticleResponse(
        a.getId(), a.getTitle(), a.getBody(), a.getAuthor(), a.getCreatedAt(), a.getUpdatedAt(), a.getVersion());
  }
}
