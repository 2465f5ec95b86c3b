package io.barge.bench.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON document against the subset of JSON Schema that {@code results.schema.json} uses: type (one or a
 * list), enum, required, properties, items and local $ref.
 */
final class SchemaCheck
{
    private final JsonNode root;
    private final List<String> errors = new ArrayList<>();

    private SchemaCheck(final JsonNode root)
    {
        this.root = root;
    }

    /**
     * @param schema   the schema.
     * @param document the document.
     * @return every violation, with its JSON path; empty when the document conforms.
     */
    static List<String> check(final JsonNode schema, final JsonNode document)
    {
        final SchemaCheck check = new SchemaCheck(schema);
        check.node(schema, document, "$");
        return check.errors;
    }

    private void node(final JsonNode schemaNode, final JsonNode value, final String path)
    {
        JsonNode schema = schemaNode;
        if (schema.has("$ref"))
        {
            final String ref = schema.get("$ref").asText();
            schema = root.at(ref.substring(1));
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), value))
        {
            errors.add(path + ": expected type " + schema.get("type") + " but was " + value.getNodeType());
            return;
        }
        if (schema.has("enum"))
        {
            boolean found = false;
            for (final JsonNode option : schema.get("enum"))
            {
                found |= option.equals(value);
            }
            if (!found)
            {
                errors.add(path + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (value.isObject())
        {
            for (final JsonNode name : schema.path("required"))
            {
                if (!value.has(name.asText()))
                {
                    errors.add(path + ": missing required field " + name.asText());
                }
            }
            final Iterator<Map.Entry<String, JsonNode>> fields = schema.path("properties").fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                if (value.has(field.getKey()))
                {
                    node(field.getValue(), value.get(field.getKey()), path + "." + field.getKey());
                }
            }
        }
        if (value.isArray() && schema.has("items"))
        {
            for (int i = 0; i < value.size(); i++)
            {
                node(schema.get("items"), value.get(i), path + "[" + i + "]");
            }
        }
    }

    private static boolean typeMatches(final JsonNode type, final JsonNode value)
    {
        if (type.isArray())
        {
            for (final JsonNode t : type)
            {
                if (typeMatches(t, value))
                {
                    return true;
                }
            }
            return false;
        }
        switch (type.asText())
        {
            case "object":
                return value.isObject();
            case "array":
                return value.isArray();
            case "string":
                return value.isTextual();
            case "integer":
                return value.isIntegralNumber();
            case "number":
                return value.isNumber();
            case "boolean":
                return value.isBoolean();
            case "null":
                return value.isNull();
            default:
                throw new IllegalArgumentException("schema type " + type + " not supported by this check");
        }
    }
}
