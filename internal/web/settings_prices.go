package web

import (
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/currency"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// priceListsPage lists the price lists, each with its currency, and a
// form to add one.
type priceListsPage struct {
	frame
	settingsForm
	Lists []settingsRow
}

func (s *Server) priceListsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showPriceLists(w, r, v, http.StatusOK, &priceListsPage{})
}

func (s *Server) showPriceLists(w http.ResponseWriter, r *http.Request, v *visit, status int, data *priceListsPage) {
	page, err := s.engine.List(r.Context(), "price_lists", records.Query{Sort: []string{"name"}, Limit: maxSettingsRows})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Lists = frame{Nav: "settings"}, rowsOf(page.Data, "name")
	for i, rec := range page.Data {
		data.Lists[i].Extra = str(rec["currency"])
	}
	s.render(w, r, v, status, "settings_prices", data)
}

// addPriceList creates a price list through the engine, as the API does,
// and opens it to fill in its prices.
func (s *Server) addPriceList(w http.ResponseWriter, r *http.Request, v *visit) {
	rec, err := s.engine.Create(r.Context(), "price_lists", map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")),
		"currency": strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))})
	if err != nil {
		data := &priceListsPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.showPriceLists(w, r, v, http.StatusBadRequest, data)
		return
	}
	saved(w, r, "/settings/price-lists/"+str(rec["id"])+"/prices")
}

// priceListPage is one price list: every product with its price on the
// list, in the list's currency, saved at once.
type priceListPage struct {
	frame
	settingsForm
	List     settingsRow
	Products []priceRow
	More     bool // there are more products than the page lists
	Saved    bool
}

type priceRow struct {
	ID, Name, SKU, Price string
}

func (s *Server) priceListPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.showPriceList(w, r, v, http.StatusOK, &priceListPage{Saved: r.URL.Query().Get("saved") == "1"})
}

func (s *Server) showPriceList(w http.ResponseWriter, r *http.Request, v *visit, status int, data *priceListPage) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	list, err := s.engine.Get(r.Context(), "price_lists", r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	items, err := s.sales.PriceListItems(r.Context(), str(list["id"]))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	products, err := s.engine.List(r.Context(), "products", records.Query{Sort: []string{"name"}, Limit: maxSettingsRows})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	prices := map[string]string{}
	for _, it := range items {
		prices[it.ProductID] = decimal(it.Price.Amount, it.Price.Currency)
	}
	data.frame = frame{Nav: "settings"}
	data.List = settingsRow{ID: str(list["id"]), Name: str(list["name"]), Extra: str(list["currency"])}
	data.More = products.NextCursor != ""
	for _, p := range products.Data {
		id := str(p["id"])
		data.Products = append(data.Products, priceRow{ID: id, Name: str(p["name"]), SKU: str(p["sku"]), Price: prices[id]})
	}
	s.render(w, r, v, status, "settings_pricelist", data)
}

// savePrices replaces the list's prices with those filled in, through the
// sales service, as the API's PUT does. A price that is no amount of the
// list's currency is refused beside its input before anything is saved.
func (s *Server) savePrices(w http.ResponseWriter, r *http.Request, v *visit) {
	if s.sales == nil {
		s.fail(w, r, v, errNotFound)
		return
	}
	list, err := s.engine.Get(r.Context(), "price_lists", r.PathValue("id"), false)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	code := str(list["currency"])
	var items []sales.PriceListItem
	var inputs []string // the input of each item, to put the service's errors beside
	var c fault.Collector
	for _, id := range r.PostForm["product"] {
		in := "price." + id
		text := strings.TrimSpace(r.PostFormValue(in))
		if text == "" {
			continue
		}
		amount, ok := minorUnits(text, code)
		if !ok {
			c.Add(in, "format", "is no amount of %s", code)
			continue
		}
		items = append(items, sales.PriceListItem{ProductID: id, Price: sales.Money{Amount: amount, Currency: code}})
		inputs = append(inputs, in)
	}
	err = c.Err()
	if err == nil {
		_, err = s.sales.SetPriceListItems(r.Context(), str(list["id"]), items)
		err = renameItems(err, inputs)
	}
	if err != nil {
		data := &priceListPage{}
		if !data.refuse(v, r, "prices", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.showPriceList(w, r, v, http.StatusBadRequest, data)
		return
	}
	saved(w, r, "/settings/price-lists/"+str(list["id"])+"/prices?saved=1")
}

var itemPath = regexp.MustCompile(`^items\[(\d+)\]`)

// renameItems names the inputs of the service's errors about items:
// items[2].price.amount is the third price filled in.
func renameItems(err error, inputs []string) error {
	fe, ok := err.(*fault.Error)
	if !ok || fe.Code != fault.EINVALID {
		return err
	}
	out := *fe
	out.Fields = nil
	for _, f := range fe.Fields {
		if m := itemPath.FindStringSubmatch(f.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(inputs) {
				f.Field = inputs[i]
			}
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

// amountText is an amount as people type it: digits, one decimal point or
// comma, no sign.
var amountText = regexp.MustCompile(`^\d{1,15}([.,]\d{0,6})?$`)

// minorUnits reads a typed amount of a currency into its minor units
// (12.5 EUR is 1250); false when it is no amount or has more decimals
// than the currency.
func minorUnits(text, code string) (int64, bool) {
	if !amountText.MatchString(text) {
		return 0, false
	}
	scale := 2
	if unit, err := currency.ParseISO(code); err == nil {
		scale, _ = currency.Standard.Rounding(unit)
	}
	r, ok := new(big.Rat).SetString(strings.Replace(text, ",", ".", 1))
	if !ok {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return 0, false
	}
	return r.Num().Int64(), true
}
