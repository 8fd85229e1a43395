package records

// valueFields are the derived customer-value fields of contacts and
// companies: RFM scores and segment, and the predicted purchases,
// probability of being a customer still and predicted value over the next
// 12 months. Nobody writes them but the value service's job
// (internal/value, docs/decisions/0030-customer-value.md); they are real
// columns so that lists, filters, sorts, saved views and reports use them
// like any other field.
func valueFields() []*Field {
	return []*Field{
		readOnly(col("rfm_recency", "Recency score", Integer)),
		readOnly(col("rfm_frequency", "Frequency score", Integer)),
		readOnly(col("rfm_monetary", "Monetary score", Integer)),
		readOnly(withOptions(col("rfm_segment", "Customer segment", Select), ValueSegments...)),
		readOnly(col("clv_purchases", "Expected purchases (12 months)", Decimal)),
		readOnly(col("clv_alive", "Probability still a customer", Decimal)),
		readOnly(col("clv_value", "Predicted value (12 months)", Money)),
	}
}

// ValueSegments are the RFM segments, best first (clv.Segments).
var ValueSegments = []string{"champions", "loyal", "potential_loyalist", "new", "promising",
	"need_attention", "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"}

// valueParts are the parts of the predicted value that lists sort and
// filter by; the value service writes their columns with the value.
func valueParts() []partSpec {
	return []partSpec{{"clv_value", "amount", Integer, "clv_value_amount"}, {"clv_value", "currency", Text, "clv_value_currency"}}
}
