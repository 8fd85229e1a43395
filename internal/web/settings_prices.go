package web

import (
	"errors"
	"math/big"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/currency"

	"github.com/rapport-crm/rapport/internal/fault"
	"github.com/rapport-crm/rapport/internal/locale"
	"github.com/rapport-crm/rapport/internal/records"
	"github.com/rapport-crm/rapport/internal/sales"
)

// setPriceListsPage lists the price lists, each with its currency, and a
// form to add one.
type setPriceListsPage struct {
	frame
	settingsForm
	Lists []settingsRow
}

func (s *Server) setPriceListsPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowPriceLists(w, r, v, http.StatusOK, &setPriceListsPage{})
}

func (s *Server) setShowPriceLists(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setPriceListsPage) {
	page, err := s.engine.List(r.Context(), "price_lists", records.Query{Sort: []string{"name"}, Limit: maxSettingsRows})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data.frame, data.Lists = frame{Nav: "settings"}, setRowsOf(page.Data, "name")
	for i, rec := range page.Data {
		data.Lists[i].Extra = str(rec["currency"])
	}
	s.render(w, r, v, status, "settings_prices", data)
}

// setAddPriceList creates a price list through the engine, as the API does,
// and opens it to fill in its prices.
func (s *Server) setAddPriceList(w http.ResponseWriter, r *http.Request, v *visit) {
	rec, err := s.engine.Create(r.Context(), "price_lists", map[string]any{"name": strings.TrimSpace(r.PostFormValue("name")),
		"currency": strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))})
	if err != nil {
		data := &setPriceListsPage{}
		if !data.refuse(v, r, "add", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.setShowPriceLists(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/price-lists/"+str(rec["id"])+"/prices")
}

// setPriceListPage is one price list: every product with its price on the
// list, in the list's currency, saved at once.
type setPriceListPage struct {
	frame
	settingsForm
	List     settingsRow
	Products []setPriceRow
	More     bool // there are more products than the page lists
	Saved    bool
}

type setPriceRow struct {
	ID, Name, SKU, Price string
}

func (s *Server) setPriceListPage(w http.ResponseWriter, r *http.Request, v *visit) {
	s.setShowPriceList(w, r, v, http.StatusOK, &setPriceListPage{Saved: r.URL.Query().Get("saved") == "1"})
}

func (s *Server) setShowPriceList(w http.ResponseWriter, r *http.Request, v *visit, status int, data *setPriceListPage) {
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
		prices[it.ProductID] = locale.Decimal(it.Price.Amount, it.Price.Currency)
	}
	data.frame = frame{Nav: "settings"}
	data.List = settingsRow{ID: str(list["id"]), Name: str(list["name"]), Extra: str(list["currency"])}
	data.More = products.NextCursor != ""
	for _, p := range products.Data {
		id := str(p["id"])
		data.Products = append(data.Products, setPriceRow{ID: id, Name: str(p["name"]), SKU: str(p["sku"]), Price: prices[id]})
	}
	s.render(w, r, v, status, "settings_pricelist", data)
}

// setSavePrices replaces the list's prices with those filled in, through the
// sales service, as the API's PUT does. A price that is no amount of the
// list's currency is refused beside its input before anything is saved.
func (s *Server) setSavePrices(w http.ResponseWriter, r *http.Request, v *visit) {
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
	// The input of each item, to put the service's errors beside; the
	// prices the form did not show have none.
	items, inputs, err := s.setKeptPrices(r, str(list["id"]))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var c fault.Collector
	for _, id := range r.PostForm["product"] {
		in := "price." + id
		text := strings.TrimSpace(r.PostFormValue(in))
		if text == "" {
			continue
		}
		amount, ok := setMinorUnits(text, code)
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
		err = setRenameItems(err, inputs)
	}
	if err != nil {
		data := &setPriceListPage{}
		if !data.refuse(v, r, "prices", err, v.p.T("web.settings.changed")) {
			s.fail(w, r, v, err)
			return
		}
		s.setShowPriceList(w, r, v, http.StatusBadRequest, data)
		return
	}
	settingsSaved(w, r, "/settings/price-lists/"+str(list["id"])+"/prices?settingsSaved=1")
}

// setKeptPrices are the list's prices of the products the form did not
// show (a list of more products than the page holds), which saving the
// form keeps as they are, each with no input of its own.
func (s *Server) setKeptPrices(r *http.Request, list string) ([]sales.PriceListItem, []string, error) {
	items, err := s.sales.PriceListItems(r.Context(), list)
	if err != nil {
		return nil, nil, err
	}
	shown := map[string]bool{}
	for _, id := range r.PostForm["product"] {
		shown[id] = true
	}
	var kept []sales.PriceListItem
	var inputs []string
	for _, it := range items {
		if !shown[it.ProductID] {
			kept, inputs = append(kept, it), append(inputs, "")
		}
	}
	return kept, inputs, nil
}

// setItemPath finds the item an error of the sales service is about.
var setItemPath = regexp.MustCompile(`^items\[(\d+)\]`)

// setRenameItems names the inputs of the service's errors about items:
// items[2].price.amount is the third price filled in.
func setRenameItems(err error, inputs []string) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.EINVALID {
		return err
	}
	out := *fe
	out.Fields = nil
	for _, f := range fe.Fields {
		if m := setItemPath.FindStringSubmatch(f.Field); m != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(inputs) && inputs[i] != "" {
				f.Field = inputs[i]
			}
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

// setAmountText is an amount as people type it: digits, one decimal point or
// comma, no sign.
var setAmountText = regexp.MustCompile(`^\d{1,15}([.,]\d{0,6})?$`)

// setMinorUnits reads a typed amount of a currency into its minor units
// (12.5 EUR is 1250); false when it is no amount or has more decimals
// than the currency.
func setMinorUnits(text, code string) (int64, bool) {
	if !setAmountText.MatchString(text) {
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
