package dev.k8splatform.springapi.articles;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** What a client sends to create or replace an article. */
public record ArticleRequest(
    @NotBlank @Size(max = TITLE_MAX) String title,
    @NotBlank @Size(max = BODY_MAX) String body,
    @NotBlank @Size(max = AUTHOR_MAX) String author) {

  public static final int TITLE_MAX = 200;
  public static final int BODY_MAX = 10_000;
  public static final int AUTHOR_MAX = 100;
}
