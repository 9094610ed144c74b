package dev.k8splatform.springapi.web;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Text of at most {@link #value()} characters, counted as Unicode code points, the way JSON
 * Schema's {@code maxLength} counts them. {@code @Size} counts UTF-16 units, so it would refuse
 * a title of 150 emoji that the OpenAPI document calls valid. Null is left to {@code @NotBlank}.
 * The document's {@code maxLength} is generated from this annotation (see OpenApiDocument).
 */
@Constraint(validatedBy = MaxCodePoints.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
public @interface MaxCodePoints {

  int value();

  String message() default "must be at most {value} characters";

  Class<?>[] groups() default {};

  Class<? extends Payload>[] payload() default {};

  /** Counts code points; a lone surrogate counts as one, as it does in JSON Schema. */
  class Validator implements ConstraintValidator<MaxCodePoints, CharSequence> {
    private int max;

    @Override
    public void initialize(MaxCodePoints annotation) {
      max = annotation.value();
    }

    @Override
    public boolean isValid(CharSequence text, ConstraintValidatorContext context) {
      return text == null || text.codePoints().count() <= max;
    }
  }
}
