package dev.k8splatform.springapi.articles;

import dev.k8splatform.springapi.web.MaxCodePoints;
import jakarta.validation.constraints.NotBlank;

/** What a client sends to create or replace an article. */
public record ArticleRequest(
    @NotBlank @MaxCodePoints(TITLE_MAX) String title,
    @NotBlank @MaxCodePoints(BODY_MAX) String body,
    @NotBlank @MaxCodePoints(AUTHOR_MAX) String author) {

  public static final int TITLE_MAX = 200;
  public static final int BODY_MAX = 10_000;
  public static final int AUTHOR_MAX = 100;
}
