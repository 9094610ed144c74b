package dev.k8splatform.springapi.web;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Whole numbers in paths and query strings are plain decimal digits with an optional minus, as
 * the OpenAPI document's {@code type: integer} says. Spring's default number editor also trims
 * spaces and reads "0x10", "#10" and "+1", so {@code /api/articles/0x10} was article 16. It is
 * an editor, not a converter, because Spring falls back to its default editors when a converter
 * refuses a value. A value refused here is a 400 invalid-parameter problem. An empty query value
 * never gets here: it means the parameter's default, as the document's allowEmptyValue says.
 */
@ControllerAdvice
public class StrictNumbers {

  private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+");

  @InitBinder
  void wholeNumbers(WebDataBinder binder) {
    binder.registerCustomEditor(int.class, new Decimal(Integer::valueOf));
    binder.registerCustomEditor(Integer.class, new Decimal(Integer::valueOf));
    binder.registerCustomEditor(long.class, new Decimal(Long::valueOf));
    binder.registerCustomEditor(Long.class, new Decimal(Long::valueOf));
  }

  private static final class Decimal extends PropertyEditorSupport {
    private final Function<String, ? extends Number> parse;

    Decimal(Function<String, ? extends Number> parse) {
      this.parse = parse;
    }

    @Override
    public void setAsText(String text) {
      if (text == null || !DECIMAL.matcher(text).matches()) {
        throw new IllegalArgumentException("not a decimal whole number");
      }
      setValue(parse.apply(text)); // NumberFormatException (an IllegalArgumentException) past the range
    }
  }
}
