package dev.k8splatform.springapi.articles;

import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import java.util.List;
import org.springframework.data.domain.Page;

/** One page of articles, with what a client needs to fetch the next. */
public record ArticlePage(
    @Schema(requiredMode = RequiredMode.REQUIRED) List<ArticleResponse> items,
    @Schema(requiredMode = RequiredMode.REQUIRED) int page,
    @Schema(requiredMode = RequiredMode.REQUIRED) int size,
    @Schema(requiredMode = RequiredMode.REQUIRED) long totalItems,
    @Schema(requiredMode = RequiredMode.REQUIRED) int totalPages) {

  static ArticlePage of(Page<Article> page) {
    return new ArticlePage(
        page.map(ArticleResponse::of).getContent(),
        page.getNumber(),
        page.getSize(),
        page.getTotalElements(),
        page.getTotalPages());
  }
}
