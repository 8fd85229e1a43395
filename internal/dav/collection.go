package dav

import (
	"bytes"
	"context"
	"encoding/xml"
	"strconv"

	goical "github.com/emersion/go-ical"
	govcard "github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav/caldav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/access"
	"github.com/rapport-crm/rapport/internal/fault"
)

// member is a card or calendar item as a listing or sync answers it.
type member struct {
	href, etag string
	data       func() (string, error) // the item encoded, read only when asked for
}

// collection is what the sync and the collection's own properties need to
// know of the address book or the calendar.
type collection struct {
	book        bool     // the address book, which serves its own multiget
	path        string   // the collection's path
	objects     []string // the objects of its records, as the outbox names them
	resource    string   // its resource type besides collection
	reports     []string // the reports it serves besides sync-collection
	extra       map[xml.Name]string
	dataName    xml.Name // the property that carries an item
	contentType string
	// each calls fn with every member, with its data when withData.
	each func(ctx context.Context, withData bool, fn func(member) error) error
	// find returns, by id, the members among ids of object that the user
	// reads now.
	find func(ctx context.Context, object string, ids []string) (map[string]member, error)
	// href is where the member of object and id is, or was.
	href func(ctx context.Context, object, id string) (string, error)
}

func cardMember(ao carddav.AddressObject) member {
	return member{href: ao.Path, etag: ao.ETag, data: func() (string, error) {
		var buf bytes.Buffer
		err := govcard.NewEncoder(&buf).Encode(ao.Card)
		return buf.String(), err
	}}
}

func calendarMember(co caldav.CalendarObject) member {
	return member{href: co.Path, etag: co.ETag, data: func() (string, error) {
		var buf bytes.Buffer
		err := goical.NewEncoder(&buf).Encode(co.Data)
		return buf.String(), err
	}}
}

// book is the user's address book as a collection.
func (s *Server) book(a access.Actor) *collection {
	b := &books{s: s}
	return &collection{
		book: true, path: bookPath(a), objects: []string{"contact"}, resource: `<card:addressbook/>`,
		reports: []string{`<card:addressbook-multiget/>`, `<card:addressbook-query/>`},
		extra: map[xml.Name]string{
			{Space: nsCard, Local: "supported-address-data"}: `<card:supported-address-data>` +
				`<card:address-data-type content-type="text/vcard" version="3.0"/>` +
				`<card:address-data-type content-type="text/vcard" version="4.0"/></card:supported-address-data>`,
			{Space: nsCard, Local: "max-resource-size"}: `<card:max-resource-size>` + strconv.Itoa(maxBody) + `</card:max-resource-size>`,
		},
		dataName: addressData, contentType: govcard.MIMEType,
		each: func(ctx context.Context, withData bool, fn func(member) error) error {
			return b.each(ctx, bookPath(a), withData, func(ao carddav.AddressObject) error { return fn(cardMember(ao)) })
		},
		find: func(ctx context.Context, _ string, ids []string) (map[string]member, error) {
			names, err := b.names(ctx, a.WorkspaceID, ids...)
			if err != nil {
				return nil, err
			}
			found, err := b.read(ctx, a, ids, names)
			if err != nil {
				return nil, err
			}
			out := make(map[string]member, len(found))
			for id, ao := range found {
				out[id] = cardMember(ao)
			}
			return out, nil
		},
		href: func(ctx context.Context, _, id string) (string, error) {
			names, err := b.names(ctx, a.WorkspaceID, id)
			if err != nil {
				return "", err
			}
			n, ok := names[id]
			if !ok {
				n = defaultName(id)
			}
			return bookPath(a) + n.file, nil
		},
	}
}

// calendarCollection is the user's calendar as a collection.
func (s *Server) calendarCollection(a access.Actor) *collection {
	c := &calendars{s: s}
	return &collection{
		path: calendarPath(a), objects: kinds, resource: `<cal:calendar/>`,
		reports: []string{`<cal:calendar-multiget/>`, `<cal:calendar-query/>`},
		extra: map[xml.Name]string{
			{Space: nsCal, Local: "supported-calendar-component-set"}: `<cal:supported-calendar-component-set>` +
				`<cal:comp name="VEVENT"/><cal:comp name="VTODO"/></cal:supported-calendar-component-set>`,
			{Space: nsCal, Local: "max-resource-size"}: `<cal:max-resource-size>` + strconv.Itoa(maxBody) + `</cal:max-resource-size>`,
		},
		dataName: calendarData, contentType: goical.MIMEType,
		each: func(ctx context.Context, _ bool, fn func(member) error) error {
			items, err := c.ListCalendarObjects(ctx, calendarPath(a), nil)
			if err != nil {
				return err
			}
			for _, co := range items {
				if err := fn(calendarMember(co)); err != nil {
					return err
				}
			}
			return nil
		},
		find: func(ctx context.Context, kind string, ids []string) (map[string]member, error) {
			names, err := names(ctx, s.DB, a.WorkspaceID, kind, ids...)
			if err != nil {
				return nil, err
			}
			out := map[string]member{}
			for _, id := range ids {
				rec, err := c.get(ctx, a, kind, id)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					return nil, err
				}
				out[id] = calendarMember(c.object(a, kind, rec, names))
			}
			return out, nil
		},
		href: func(ctx context.Context, kind, id string) (string, error) {
			names, err := names(ctx, s.DB, a.WorkspaceID, kind, id)
			if err != nil {
				return "", err
			}
			n, ok := names[id]
			if !ok {
				n = defaultItemName(kind, id)
			}
			return calendarPath(a) + n.file, nil
		},
	}
}

// isNotFound reports whether err says the record is not there for the
// user (go-webdav's errors wrap the engine's).
func isNotFound(err error) bool { return fault.Is(err, fault.ENOTFOUND) }
