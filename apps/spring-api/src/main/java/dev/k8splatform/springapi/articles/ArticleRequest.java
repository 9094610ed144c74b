package dev.k8splatform.springapi.articles;

import dev.k8splatform.springapi.web.MaxCodePoints;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.AdditionalPropertiesValue;
import jakarta.validation.constraints.NotBlank;

/**
 * What a client sends to create or replace an article. Unknown fields are refused (StrictJson),
 * which the document states as {@code additionalProperties: false}.
 */
@Schema(additionalProperties = AdditionalPropertiesValue.FALSE)
public record ArticleRequest(
    @Schema(example = "Kubernetes by hand") @NotBlank @MaxCodePoints(TITLE_MAX) String title,
    @Schema(example = "Four VMs, one control plane, and kubeadm.") @NotBlank @MaxCodePoints(BODY_MAX) String body,
    @Schema(example = "Ada") @NotBlank @MaxCodePoints(AUTHOR_MAX) String author) {

  public static final int TITLE_MAX = 200;
  public static final int BODY_MAX = 10_000;
  public static final int AUTHOR_MAX = 100;
}
