package linkage

import "strings"

// nicknameGroups are given names with their usual short and pet forms,
// English and Slavic (romanised as words() spells Cyrillic), each line
// one name: the first word is the full form. Names are matched by their
// phonetic code, so "Aleksandr", "Alexander" and "Oleksandr" variants
// need no line of their own when they sound alike.
const nicknameGroups = `
alexander alex alec sasha sanya shura sandy aleksandr oleksandr olek aleksander sasza
alexandra alexa sasha sandra lexi aleksandra oleksandra ola
aleksei alexey alyosha lyosha lesha oleksii
andrew andy drew andrei andrey andriy andrzej andrius andryusha
anna ann anne annie anya nyura hanna ania anka
anastasia nastya stasya asya nastia
anthony tony antoni antanas
benjamin ben benny benji
catherine katherine kathryn kate katie kathy cathy kat kitty ekaterina katya katia katerina kateryna katarzyna kasia
charles charlie chuck chas karol
christopher chris kit krzysztof krzys
daniel dan danny danylo danila danil
david dave davy dawid
deborah debbie deb debra
dmitrii dmitry dima mitya dmytro
donald don donny
edward ed eddie ted ned edvard
elena lena helen helena olena alena alyona ellen
elizabeth liz lizzie beth betty eliza lisa libby elisabeth elzbieta ela
evgenii evgeny yevgeny zhenya eugene gene yevhen
gregory greg grigorii grisha hryhorii grzegorz grzes
irina ira iryna
ivan vanya van ivanko
james jim jimmy jamie
jennifer jen jenny
john jack johnny jon jan janek jonas johann
jonathan jon jonny
joseph joe joey józef jozef józek jozek juozas
joshua josh
yulia julia yulya yuliya iuliia julija
konstantin kostya kostia konstantyn
lawrence larry laurence
liudmila lyudmila lyuda mila ludmila
margaret maggie meg peggy marge margo malgorzata gosia malgosia
maria mariya masha manya marusya marie mary mariia marija
matthew matt matthias mateusz
michael mike mickey mick mikhail misha mykhailo michal michał mikołaj
natalia natalya natasha nata natalie natalija
nicholas nick nicky nikolai kolya mykola mikolaj nikolaj
olga olya olia olha
patricia pat patty trish tricia
paul pavel pasha pavlo pawel paweł povilas
peter pete petr pyotr petya petro piotr piotrek petras
rebecca becky becca
richard rick ricky dick rich
robert bob bobby rob robbie bert
ronald ron ronnie
samuel sam sammy
sergei sergey seryozha serezha serhii serge sergiusz
stephen steven steve stepan stepa stefan
susan sue susie suzanne
svetlana sveta lana svitlana
tatiana tatyana tanya tania tetiana
thomas tom tommy tomasz tomek tomas
timothy tim timmy timofei tima
victoria vicky vika viktoria wiktoria
vladimir volodya vova volodymyr wlodzimierz
william bill billy will willy liam wilhelm
wojciech wojtek
yurii yuri yura iurii yury jurij jurgis
`

// nicknames maps every form, as words() spells it, to the sound code of
// its full form; fullForms maps the sound codes of full forms and of forms
// of five letters or more (long enough not to sound like another name) to
// the same, so that spellings the table lacks ("Aleksandr") still find it.
var nicknames, fullForms = func() (map[string]string, map[string]string) {
	exact, sound := map[string]string{}, map[string]string{}
	for _, line := range strings.Split(nicknameGroups, "\n") {
		ws := words(line)
		if len(ws) == 0 {
			continue
		}
		full := phonetic(ws[0])
		for i, w := range ws {
			if _, ok := exact[w]; !ok {
				exact[w] = full
			}
			if _, ok := sound[phonetic(w)]; !ok && (i == 0 || len(w) >= 5) {
				sound[phonetic(w)] = full
			}
		}
	}
	return exact, sound
}()

// canonicalName is the sound code of the full form of a given name:
// "Sasha" and "Aleksandr" both give the code of "alexander". Other words
// give their own sound code.
func canonicalName(w string) string {
	if full, ok := nicknames[w]; ok {
		return full
	}
	c := phonetic(w)
	if full, ok := fullForms[c]; ok {
		return full
	}
	return c
}
